"""Next year's risk-based plan: the adjustments, their comments, and the draw it gives."""

from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.allegations import (
    AllegationKind,
    AllegationReport,
    FollowUp,
    accept,
    choose_follow_up,
    receive,
    reject,
)
from review.follow_up_policy import PolicyError, load_policy
from review.institution_history import build_histories
from review.next_year import plan_next_year, render_next_year_plan
from sampler.draw import draw_sample
from sampler.frame import CANONICAL_COLUMNS, load_frame_bytes
from sampler.outputs import render_outputs
from sampler.plan import load_plan_toml

DAY = date(2025, 9, 1)

PRIOR = {
    (2025, "一次大学"): 2,  # problems this year only
    (2024, "一次大学"): 0,
    (2024, "连续大学"): 1,
    (2025, "连续大学"): 3,
    (2023, "三年大学"): 1,
    (2024, "三年大学"): 1,
    (2025, "三年大学"): 1,
    (2023, "清白大学"): 0,
    (2024, "清白大学"): 0,
    (2025, "清白大学"): 0,
    (2024, "两年清白"): 0,
    (2025, "两年清白"): 0,
    (2022, "断档大学"): 0,
    (2023, "断档大学"): 0,
    (2025, "断档大学"): 0,
    (2023, "被举报大学"): 0,
    (2024, "被举报大学"): 0,
    (2025, "被举报大学"): 0,
}


def _allegation(institution: str, thesis_id: str = "", title: str = "某论文"):
    report = AllegationReport(title, "作者", institution, 2024, AllegationKind.PLAGIARISM)
    return receive(report, DAY, thesis_id=thesis_id)


def _plan(allegations=(), misconduct=None, policy=None):
    histories = build_histories([], PRIOR, misconduct)
    return plan_next_year(2025, histories, allegations, policy or load_policy())


def test_multipliers_follow_the_policy() -> None:
    alleged = accept(_allegation("被举报大学", "X1"), DAY, "office")
    plan = _plan([alleged], misconduct={(2025, "不端大学"): 1})
    multipliers = {a.institution: a.multiplier for a in plan.adjustments}
    assert multipliers == {
        "一次大学": Fraction(3, 2),
        "连续大学": Fraction(2),
        "三年大学": Fraction(5, 2),
        "清白大学": Fraction(1, 2),
        "不端大学": Fraction(2),
    }
    assert plan.year == 2026
    assert plan.stated_rate("doctoral", "三年大学") == Fraction(1, 4)
    assert plan.stated_rate("master", "两年清白") == Fraction(1, 20)
    assert [u.thesis_id for u in plan.certainty] == ["X1"]


def test_policy_file_changes_the_numbers(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("[raise]\nconsecutive = 3\nmaximum = 4\n[lower]\nmultiplier = 1\n")
    plan = _plan(policy=load_policy(policy_file))
    multipliers = {a.institution: a.multiplier for a in plan.adjustments}
    assert multipliers["连续大学"] == 3 and multipliers["三年大学"] == Fraction(7, 2)
    assert "清白大学" not in multipliers  # multiplier 1: never lowered


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[raise]\nmaximum = 12\n", "more than 1"),
        ("[lower]\nmultiplier = 0\n", "positive"),
        ("[rates]\nmaster = 2\n", "between 0 and 1"),
        ("[oops]\n", "unknown section"),
        ("[raise]\nfoo = 1\n", "unknown key raise.foo"),
        ("[interview]\nconsecutive_years = 1.5\n", "whole number"),
        ("[allegations]\ncertainty = 1\n", "true or false"),
        ("rates = [", "not valid TOML"),
    ],
)
def test_bad_policy_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message) as caught:
        load_policy(path)
    assert str(path) in str(caught.value)


def test_every_adjustment_is_explained_in_a_comment() -> None:
    unmatched = accept(_allegation("某大学", title="无名论文"), DAY, "office")
    certain = choose_follow_up(
        accept(_allegation("连续大学", "T9"), DAY, "office"),
        FollowUp.CERTAINTY_NEXT_YEAR,
        DAY,
        "office",
    )
    refused = reject(_allegation("连续大学", "T8"), DAY, "office", "查无实据")
    text = render_next_year_plan(_plan([unmatched, certain, refused]))
    lines = text.splitlines()
    for institution in ("一次大学", "连续大学", "三年大学", "清白大学"):
        line = next(line for line in lines if line.strip().startswith(f'"{institution}"'))
        assert "#" in line and ("problem theses" in line or "no problem theses" in line)
    assert any('"T9"' in line and "#" in line for line in lines)
    assert '"T8"' not in text  # rejected allegations are not certainty units
    assert unmatched.code in text and "not linked" in text
    assert "rate raised ×2" in text and "doctoral 0.1 → 0.2" in text
    plan = load_plan_toml(text)
    assert plan.certainty.entries == (("T9", f"举报 allegation {certain.code}"),)
    assert {(e.multiplier, e.values) for e in plan.emphasis} == {
        (Fraction(5, 2), ("三年大学",)),
        (Fraction(2), ("连续大学",)),
        (Fraction(3, 2), ("一次大学",)),
        (Fraction(1, 2), ("清白大学", "被举报大学")),
    }


def _frame(sizes: dict[str, tuple[int, int]], extra_ids: tuple[str, ...] = ()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CANONICAL_COLUMNS)
    n = 0
    for institution, (doctoral, master) in sorted(sizes.items()):
        for level, count in (("doctoral", doctoral), ("master", master)):
            for _ in range(count):
                n += 1
                writer.writerow(
                    [f"N{n:05d}", institution, level, "academic", "0812", "2026-06-30",
                     f"题目{n}", f"作者{n}", "导师"]
                )  # fmt: skip
    for thesis_id in extra_ids:
        writer.writerow(
            [thesis_id, "连续大学", "master", "academic", "0812", "2026-06-30", "t", "a", "s"]
        )
    return out.getvalue().encode("utf-8")


def test_sampling_with_the_plan_gives_the_stated_rates_exactly() -> None:
    alleged = accept(_allegation("连续大学", "ALLEGED1"), DAY, "office")
    plan = _plan([alleged])
    # Σ N·m is a multiple of 1/rate at both levels, so n_l = f·Σ N·m with no rounding.
    sizes = {
        "一次大学": (20, 40),
        "连续大学": (10, 20),
        "三年大学": (4, 8),
        "清白大学": (40, 80),
        "未调整大学": (20, 40),
    }
    frame = load_frame_bytes(_frame(sizes, ("ALLEGED1",)), "next.csv")
    sample_plan = load_plan_toml(render_next_year_plan(plan)).with_seed(11)
    result = draw_sample(frame, sample_plan)
    random_strata = [s for s in result.strata if not s.certainty]
    for stratum in random_strata:
        institution = stratum.key[1]
        assert stratum.expected / stratum.population == plan.stated_rate(
            stratum.level, institution
        ), stratum.label
    files = render_outputs(result, "test")
    rows = list(csv.DictReader(io.StringIO(files["sample.csv"].decode())))
    certain = [r for r in rows if r["selection"] == "certainty"]
    assert [r["thesis_id"] for r in certain] == ["ALLEGED1"]
    assert float(certain[0]["inclusion_probability"]) == 1.0
    for row in rows:
        p, w = float(row["inclusion_probability"]), float(row["design_weight"])
        assert w == pytest.approx(1 / p, rel=1e-15)


def test_over_seeds_each_unit_is_drawn_at_its_stated_rate() -> None:
    plan = _plan()
    sizes = {"连续大学": (0, 10), "清白大学": (0, 40), "未调整大学": (0, 40)}
    frame = load_frame_bytes(_frame(sizes), "next.csv")
    sample_plan = load_plan_toml(render_next_year_plan(plan))
    seeds = 400
    counts: dict[str, int] = {}
    for seed in range(seeds):
        result = draw_sample(frame, sample_plan.with_seed(seed))
        for row in result.selected_rows.tolist():
            institution = frame.data["institution"][row]
            counts[institution] = counts.get(institution, 0) + 1
    for institution, (_, master) in sizes.items():
        rate = float(plan.stated_rate("master", institution))
        expected = rate * master * seeds
        spread = (expected * (1 - rate)) ** 0.5
        assert abs(counts.get(institution, 0) - expected) <= 5 * spread + 1, institution


@given(
    sizes=st.dictionaries(
        st.sampled_from(["一次大学", "连续大学", "三年大学", "清白大学", "甲", "乙"]),
        st.tuples(st.integers(0, 30), st.integers(1, 60)),
        min_size=1,
    ),
    certain=st.sets(st.integers(0, 5), max_size=3),
    seed=st.integers(0, 2**32),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_certainty_units_are_always_drawn_and_probabilities_are_exact(
    sizes: dict[str, tuple[int, int]], certain: set[int], seed: int
) -> None:
    ids = tuple(f"C{k}" for k in sorted(certain))
    allegations = [accept(_allegation("连续大学", i), DAY, "office") for i in ids]
    plan = _plan(allegations)
    frame = load_frame_bytes(_frame(sizes, ids), "next.csv")
    result = draw_sample(frame, load_plan_toml(render_next_year_plan(plan)).with_seed(seed))
    chosen = {frame.data["thesis_id"][r] for r in result.selected_rows.tolist()}
    assert set(ids) <= chosen
    for summary in result.levels:
        strata = [s for s in result.strata if s.level == summary.level and not s.certainty]
        measure = sum((s.population * s.multiplier for s in strata), Fraction(0))
        for stratum in strata:
            # a unit's probability over seeds: its share of n_l in proportion to N_h·m_h
            assert stratum.expected == stratum.population * stratum.multiplier * (
                summary.target / measure
            )
            assert stratum.multiplier == plan.multiplier(stratum.key[1])
            assert stratum.sample_size in (
                stratum.expected.numerator // stratum.expected.denominator,
                -(-stratum.expected.numerator // stratum.expected.denominator),
            )
