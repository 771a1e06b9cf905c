"""Proportional allocation with controlled (systematic) rounding.

Shares a_h are exact fractions. Each stratum gets ⌊a_h⌋ plus one more with probability
equal to its fractional part, chosen by systematic sampling along the strata in a
seed-randomised order: the fractional parts are laid end to end and a comb of unit
spacing with a random offset u picks the strata whose segment holds a tooth. The
level total is then exactly Σ a_h and E[n_h] = a_h, so every unit of a stratum of size
N_h is selected with probability exactly a_h / N_h over seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def round_half_up(value: Fraction) -> int:
    """Rounds halves upwards (2.5 -> 3), exactly."""
    return math.floor(value + Fraction(1, 2))


def allocate_proportional(
    sizes: Sequence[Fraction | int], total: int, capacities: Sequence[int]
) -> list[Fraction]:
    """Shares proportional to `sizes` summing to `total`, none above its capacity.

    Strata whose proportional share would exceed their capacity are capped (take-all) and
    the rest is shared again among the others, until no share exceeds its capacity.
    `total` is first limited to the sum of capacities. Arithmetic is exact (integers).
    """
    if len(sizes) != len(capacities):
        raise ValueError("sizes and capacities differ in length")
    common = math.lcm(1, *(Fraction(s).denominator for s in sizes))
    weights = [int(Fraction(s) * common) for s in sizes]
    shares = [Fraction(0)] * len(sizes)
    remaining = min(total, sum(capacities))
    active = [
        h for h, (w, c) in enumerate(zip(weights, capacities, strict=True)) if w > 0 and c > 0
    ]
    while active and remaining > 0:
        weight_sum = sum(weights[h] for h in active)
        capped = {h for h in active if weights[h] * remaining >= capacities[h] * weight_sum}
        if not capped:
            for h in active:
                shares[h] = Fraction(weights[h] * remaining, weight_sum)
            break
        for h in capped:
            shares[h] = Fraction(capacities[h])
            remaining -= capacities[h]
        active = [h for h in active if h not in capped]
    return shares


def round_controlled(shares: Sequence[Fraction], order: Sequence[int], offset: int) -> list[int]:
    """Integer sizes ⌊a_h⌋ or ⌈a_h⌉ with Σ n_h = Σ a_h (which must be an integer).

    `order` is a permutation of the strata (randomised by the caller's seed); `offset` is a
    large random integer, reduced modulo the common denominator D of the fractional parts,
    so that the comb offset u = (offset mod D) / D is uniform on the exact grid the
    fractional parts live on and each stratum rounds up with probability exactly its
    fractional part.
    """
    if sorted(order) != list(range(len(shares))):
        raise ValueError("order must be a permutation of the strata")
    denominator = math.lcm(1, *(a.denominator for a in shares))
    floors = [a.numerator // a.denominator for a in shares]
    # fractional parts on the common grid: (a mod 1) · D
    scaled = [(a.numerator % a.denominator) * (denominator // a.denominator) for a in shares]
    if sum(scaled) % denominator:
        raise ValueError("the shares must add up to a whole number")
    u = offset % denominator
    sizes = floors
    cumulative = 0
    for h in order:
        previous = cumulative
        cumulative += scaled[h]
        # teeth at u + k·D inside [previous, cumulative): ceil((c-u)/D) - ceil((p-u)/D)
        sizes[h] += (u - previous) // denominator - (u - cumulative) // denominator
    return sizes
