"""Over many seeds, every unit is selected with exactly its stated probability.

Seeds 0..1999 are fixed, so the test is deterministic. Each unit's selection count is
Binomial(2000, π) under the design; a two-sided exact binomial test per unit, at a
Bonferroni-corrected level of 0.001 over all units, guards against false alarms.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import binomtest

from sampler.draw import draw_sample
from sampler.frame import Frame, load_frame_bytes
from sampler.plan import Plan, resolve_plan
from tests.sampler.registers import UNEVEN_STRATA, csv_bytes, register_rows

SEEDS = range(2000)
FAMILY_ALPHA = 0.001


@pytest.fixture(scope="module")
def frame() -> Frame:
    return load_frame_bytes(csv_bytes(register_rows(UNEVEN_STRATA)), "uneven.csv")


def selection_counts(frame: Frame, plan: Plan) -> tuple[np.ndarray, Counter[tuple[str, int]]]:
    counts = np.zeros(len(frame), dtype=np.int64)
    sizes: Counter[tuple[str, int]] = Counter()
    for seed in SEEDS:
        result = draw_sample(frame, plan.with_seed(seed))
        counts[result.selected_rows] += 1
        for s in result.strata:
            sizes[(s.label, s.sample_size)] += 1
    return counts, sizes


def assert_binomial(counts: np.ndarray, probabilities: list[Fraction]) -> None:
    threshold = FAMILY_ALPHA / len(counts)
    p_values = [
        binomtest(int(k), len(SEEDS), float(p)).pvalue if 0 < p < 1 else float(k == 0 or p == 1)
        for k, p in zip(counts, probabilities, strict=True)
    ]
    worst = int(np.argmin(p_values))
    assert p_values[worst] > threshold, (
        f"unit {worst}: selected {counts[worst]} times in {len(SEEDS)}, "
        f"stated probability {float(probabilities[worst]):.4f} (p = {p_values[worst]:.2e})"
    )


@pytest.mark.slow
def test_every_unit_is_selected_with_probability_n_l_over_N_l(frame: Frame) -> None:
    plan = resolve_plan({})
    counts, sizes = selection_counts(frame, plan)
    levels = frame.data["degree_level"]
    population = Counter(levels)
    n_l = {lv: math.floor(population[lv] * plan.rates[lv] + Fraction(1, 2)) for lv in population}
    assert_binomial(counts, [Fraction(n_l[lv], population[lv]) for lv in levels])
    # and each stratum rounds up as often as its fractional share says
    for level, institution, dtype, code, size in UNEVEN_STRATA:
        share = Fraction(size * n_l[level], population[level])
        label = f"{level}|{institution}|{dtype}|{code}"
        if share.denominator > 1:
            ups = sizes[(label, math.ceil(share))]
            assert ups + sizes[(label, math.floor(share))] == len(SEEDS)
            p_value = binomtest(ups, len(SEEDS), float(share - math.floor(share))).pvalue
            assert p_value > FAMILY_ALPHA / len(UNEVEN_STRATA)


@pytest.mark.slow
def test_oversampled_units_are_selected_with_their_multiplied_probability(frame: Frame) -> None:
    plan = resolve_plan(
        {"emphasis": [{"column": "institution", "values": ["清华大学"], "multiplier": 2}]}
    )
    counts, _ = selection_counts(frame, plan)
    levels, institutions = frame.data["degree_level"], frame.data["institution"]
    multiplier = [2 if inst == "清华大学" else 1 for inst in institutions]
    measure = Counter()
    for lv, m in zip(levels, multiplier, strict=True):
        measure[lv] += m
    n_l = {lv: math.floor(measure[lv] * plan.rates[lv] + Fraction(1, 2)) for lv in measure}
    stated = [Fraction(m * n_l[lv], measure[lv]) for lv, m in zip(levels, multiplier, strict=True)]
    assert max(stated) < 1  # no stratum is capped, so the formula is exact
    assert_binomial(counts, stated)
