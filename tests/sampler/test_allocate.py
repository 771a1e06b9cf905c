"""Allocation: exact proportional shares, capping, and controlled rounding."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from sampler.allocate import allocate_proportional, round_controlled, round_half_up


def test_round_half_up_rounds_halves_up_exactly() -> None:
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(3, 2)) == 2
    assert round_half_up(Fraction(149, 100)) == 1
    assert round_half_up(15 * Fraction(1, 10)) == 2  # 1.5 in binary floats is 1.5000…; here exact
    assert round_half_up(Fraction(0)) == 0


def test_shares_are_proportional_when_nothing_is_capped() -> None:
    shares = allocate_proportional([10, 30, 60], 10, [10, 30, 60])
    assert shares == [Fraction(1), Fraction(3), Fraction(6)]


def test_capped_strata_take_all_and_the_rest_is_reshared() -> None:
    shares = allocate_proportional([1, 1, 1], 5, [1, 10, 10])
    assert shares == [Fraction(1), Fraction(2), Fraction(2)]


@given(
    st.lists(st.tuples(st.integers(1, 50), st.integers(1, 4)), min_size=1, max_size=12),
    st.integers(0, 300),
)
def test_shares_sum_to_the_total_and_respect_capacities(
    strata: list[tuple[int, int]], total: int
) -> None:
    capacities = [n for n, _ in strata]
    sizes = [n * m for n, m in strata]
    shares = allocate_proportional(sizes, total, capacities)
    assert sum(shares) == min(total, sum(capacities))
    assert all(0 <= a <= c for a, c in zip(shares, capacities, strict=True))


@given(
    st.lists(st.integers(1, 40), min_size=1, max_size=15),
    st.integers(1, 20),
    st.integers(0, 2**64),
    st.randoms(use_true_random=False),
)
def test_controlled_rounding_gives_floor_or_ceil_and_the_exact_total(
    sizes: list[int], percent: int, offset: int, rnd: object
) -> None:
    total = round_half_up(Fraction(sum(sizes) * percent, 100))
    shares = allocate_proportional(sizes, total, sizes)
    order = list(range(len(sizes)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    rounded = round_controlled(shares, order, offset)
    assert sum(rounded) == total
    assert all(math.floor(a) <= n <= math.ceil(a) for a, n in zip(shares, rounded, strict=True))


def test_each_stratum_rounds_up_with_probability_exactly_its_fractional_part() -> None:
    sizes = [7, 13, 3, 22, 5, 1]
    shares = allocate_proportional(sizes, 5, sizes)
    denominator = math.lcm(*(a.denominator for a in shares))
    order = [3, 0, 5, 1, 4, 2]
    ups = [0] * len(sizes)
    for offset in range(denominator):  # every comb position on the exact grid, once
        for h, (a, n) in enumerate(
            zip(shares, round_controlled(shares, order, offset), strict=True)
        ):
            ups[h] += n - math.floor(a)
    for h, a in enumerate(shares):
        assert Fraction(ups[h], denominator) == a - math.floor(a)
