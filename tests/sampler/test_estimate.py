"""Estimation: weighted rates, stratified variance with FPC, Korn–Graubard intervals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sampler.estimate import (
    EstimateInputError,
    ReviewedUnit,
    clopper_pearson,
    estimate_rates,
    read_reviewed_sample,
)


def srs(n: int, problems: int, population: int, stratum: str = "s") -> list[ReviewedUnit]:
    weight = population / n
    return [
        ReviewedUnit(stratum, weight, 1 if i < problems else 0, {"institution": stratum})
        for i in range(n)
    ]


def test_one_in_twenty_matches_the_spot_check_rules_example() -> None:
    (overall, _) = estimate_rates(srs(20, 1, 100_000), group_by=("institution",))
    assert overall.estimate == pytest.approx(0.05)
    assert overall.ci_low == pytest.approx(0.001, abs=0.001)  # "about 0.1%–25%"
    assert overall.ci_high == pytest.approx(0.25, abs=0.01)
    exact_low, exact_high = clopper_pearson(1, 20)
    assert overall.ci_low < exact_low * 1.2 and overall.ci_high == pytest.approx(
        exact_high, abs=0.01
    )
    assert overall.method == "korn-graubard"


def test_weights_matter_and_population_comes_from_them() -> None:
    units = srs(10, 5, 20, "a") + srs(10, 0, 980, "b")
    overall = estimate_rates(units, group_by=())[0]
    assert overall.population == pytest.approx(1000)
    assert overall.estimate == pytest.approx(10 / 1000)  # 20·0.5 / 1000, not 5/20


def test_finite_population_correction_narrows_and_a_census_has_no_error() -> None:
    large = estimate_rates(srs(40, 4, 1_000_000), group_by=())[0]
    half = estimate_rates(srs(40, 4, 80), group_by=())[0]
    census = estimate_rates(srs(40, 4, 40), group_by=())[0]
    assert half.ci_high - half.ci_low < large.ci_high - large.ci_low
    assert (census.ci_low, census.ci_high) == (0.1, 0.1)


def test_zero_problems_still_get_an_upper_bound() -> None:
    est = estimate_rates(srs(30, 0, 3000), group_by=())[0]
    assert est.estimate == 0 and est.ci_low == 0
    assert 0.05 < est.ci_high < 0.15


def test_groups_are_reported_separately() -> None:
    units = srs(20, 2, 400, "甲大学") + srs(10, 0, 100, "乙大学")
    rows = {(e.group_by, e.group): e for e in estimate_rates(units, group_by=("institution",))}
    assert rows[("institution", "甲大学")].problems == 2
    assert rows[("institution", "乙大学")].sampled == 10
    assert rows[("overall", "all")].sampled == 30


@given(
    st.lists(
        st.tuples(st.integers(1, 15), st.integers(0, 15), st.integers(0, 200)),
        min_size=1,
        max_size=6,
    )
)
def test_intervals_stay_in_0_1_and_contain_the_estimate(strata: list[tuple[int, int, int]]) -> None:
    units = []
    for h, (n, x, extra) in enumerate(strata):
        units += srs(n, min(x, n), n + extra, f"s{h}")
    for est in estimate_rates(units, group_by=("institution",)):
        assert 0 <= est.ci_low <= est.estimate <= est.ci_high <= 1


def test_reading_a_reviewed_sample_names_row_and_column() -> None:
    good = "thesis_id,stratum,design_weight,degree_level,degree_type,institution,problem\n"
    good += "A,s,10.0,master,academic,甲,1\nB,s,10.0,master,academic,甲,0\n"
    units = read_reviewed_sample(good.encode(), "r.csv")
    assert [u.problem for u in units] == [1, 0]
    bad = good.replace("甲,0", "甲,yes")
    with pytest.raises(EstimateInputError, match=r"row 3, column problem: 'yes'"):
        read_reviewed_sample(bad.encode(), "r.csv")
    missing = good.replace("甲,0", "甲,")
    with pytest.raises(EstimateInputError, match=r"row 3, column problem: empty"):
        read_reviewed_sample(missing.encode(), "r.csv")
    no_column = good.replace(",problem", ",verdict")
    with pytest.raises(EstimateInputError, match="missing column problem"):
        read_reviewed_sample(no_column.encode(), "r.csv")
    with pytest.raises(EstimateInputError, match="design_weight"):
        read_reviewed_sample(good.replace("10.0,master", "0.5,master", 1).encode(), "r.csv")


def test_rounding_residue_in_the_variance_does_not_break_the_interval() -> None:
    units = srs(1, 0, 1, "a") + srs(1, 0, 1, "b") + srs(3, 3, 62, "c")
    overall = estimate_rates(units, group_by=())[0]
    assert 0 <= overall.ci_low <= overall.estimate <= overall.ci_high <= 1
    assert overall.ci_low < overall.estimate  # not a degenerate [p, p]: c was not a census
