"""The draw: totals, bounds, independence from the file's form, minimums, emphasis,
certainty units, exclusions and supplementary draws."""

from __future__ import annotations

import math
import random
from collections import Counter
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from sampler.allocate import round_half_up
from sampler.draw import DrawResult, draw_sample
from sampler.frame import Frame, load_frame_bytes
from sampler.outputs import render_outputs
from sampler.plan import IdList, resolve_plan
from tests.sampler.registers import UNEVEN_STRATA, csv_bytes, register_rows

Strata = list[tuple[str, str, str, str, int]]

STRATUM = st.tuples(
    st.sampled_from(["doctoral", "master"]),
    st.sampled_from(["甲大学", "乙理工大学", "丙师范大学"]),
    st.sampled_from([("academic", "0812"), ("professional", "0854"), ("academic", "0701")]),
    st.integers(1, 40),
)
STRATA = st.lists(STRATUM, min_size=1, max_size=10, unique_by=lambda s: s[:3]).map(
    lambda items: [(lv, inst, t, c, n) for lv, inst, (t, c), n in items]
)


def frame_of(strata: Strata) -> Frame:
    return load_frame_bytes(csv_bytes(register_rows(strata)), "frame.csv")


def selected_ids(result: DrawResult) -> list[str]:
    ids = result.frame.data["thesis_id"]
    return [ids[i] for i in result.selected_rows]


@given(STRATA, st.integers(0, 10**6))
def test_level_totals_are_exact_and_strata_get_floor_or_ceil(strata: Strata, seed: int) -> None:
    plan = resolve_plan({"seed": seed})
    result = draw_sample(frame_of(strata), plan)
    for level in result.levels:
        expected = round_half_up(level.population * plan.rates[level.level])
        assert level.sample_size == level.target == expected
    for s in result.strata:
        level_pop = next(lv.population for lv in result.levels if lv.level == s.level)
        level_n = next(lv.target for lv in result.levels if lv.level == s.level)
        share = Fraction(s.population * level_n, level_pop)
        assert math.floor(share) <= s.sample_size <= math.ceil(share)
        assert s.expected == share
    counted = Counter(result.strata[h].label for h in result.selected_strata.tolist())
    assert all(counted.get(s.label, 0) == s.sample_size for s in result.strata)


@given(STRATA, st.integers(0, 1000), st.randoms(use_true_random=False))
def test_outputs_do_not_depend_on_row_order_encoding_or_header_language(
    strata: Strata, seed: int, rnd: random.Random
) -> None:
    rows = register_rows(strata)
    plan = resolve_plan({"seed": seed})
    reference = render_outputs(draw_sample(load_frame_bytes(csv_bytes(rows), "a.csv"), plan), "t")
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    other = load_frame_bytes(csv_bytes(shuffled, encoding="gb18030", chinese=True), "b.csv")
    again = render_outputs(draw_sample(other, plan), "t")
    assert again["sample.csv"] == reference["sample.csv"]
    assert again["allocation.csv"] == reference["allocation.csv"]


def test_reruns_are_byte_identical_and_seeds_matter() -> None:
    frame = frame_of(UNEVEN_STRATA)
    first = render_outputs(draw_sample(frame, resolve_plan({"seed": 5})), "t")
    second = render_outputs(draw_sample(frame, resolve_plan({"seed": 5})), "t")
    other = render_outputs(draw_sample(frame, resolve_plan({"seed": 6})), "t")
    assert first == second
    assert other["sample.csv"] != first["sample.csv"]


@given(STRATA, st.integers(0, 1000), st.integers(1, 12))
def test_minimum_per_group_is_met_where_the_group_is_large_enough(
    strata: Strata, seed: int, count: int
) -> None:
    frame = frame_of(strata)
    plan = resolve_plan({"seed": seed, "minimum": {"per": ["institution"], "count": count}})
    result = draw_sample(frame, plan)
    population = Counter(frame.data["institution"])
    sampled = Counter(frame.data["institution"][i] for i in result.selected_rows)
    for institution, size in population.items():
        if size >= count:
            assert sampled[institution] >= count
    base = draw_sample(frame, resolve_plan({"seed": seed}))
    added = sum(s.minimum_added for s in result.strata)
    assert result.sample_size == base.sample_size + added
    for s in result.strata:
        assert s.inclusion_probability == Fraction(s.sample_size, s.population)


def test_emphasis_multiplies_the_rate_and_weights_follow() -> None:
    strata = [
        ("master", "甲大学", "academic", "0812", 400),
        ("master", "乙大学", "academic", "0812", 400),
    ]
    frame = frame_of(strata)
    plan = resolve_plan(
        {
            "seed": 1,
            "rates": {"master": 0.05},
            "emphasis": [{"column": "institution", "values": ["甲大学"], "multiplier": 3}],
        }
    )
    result = draw_sample(frame, plan)
    by_label = {s.label: s for s in result.strata}
    emphasised = by_label["master|甲大学|academic|0812|x3"]
    normal = by_label["master|乙大学|academic|0812"]
    # n = round(0.05 · (400·3 + 400)) = 80, shared 3:1
    assert (emphasised.sample_size, normal.sample_size) == (60, 20)
    assert emphasised.inclusion_probability == Fraction(60, 400)
    assert normal.inclusion_probability == Fraction(20, 400)


def test_emphasis_on_a_non_stratum_column_splits_strata() -> None:
    frame = frame_of([("master", "甲大学", "academic", "0812", 90)])
    plan = resolve_plan(
        {"seed": 2, "emphasis": [{"column": "supervisor", "values": ["导师0"], "multiplier": 2}]}
    )
    result = draw_sample(frame, plan)
    labels = {s.label: s.population for s in result.strata}
    assert labels == {"master|甲大学|academic|0812": 60, "master|甲大学|academic|0812|x2": 30}


def test_certainty_units_are_always_sampled_with_weight_one() -> None:
    frame = frame_of(UNEVEN_STRATA)
    ids = frame.data["thesis_id"]
    must = IdList(((ids[3], "failed last year"), (ids[40], "complaint")))
    for seed in range(20):
        plan = resolve_plan({"seed": seed}).with_id_lists(certainty=must)
        result = draw_sample(frame, plan)
        chosen = selected_ids(result)
        assert ids[3] in chosen and ids[40] in chosen
        for h, row in zip(
            result.selected_strata.tolist(), result.selected_rows.tolist(), strict=True
        ):
            if ids[row] in must.ids:
                assert result.strata[h].certainty
                assert result.strata[h].inclusion_probability == 1


def test_excluded_units_are_never_sampled_and_leave_the_population() -> None:
    frame = frame_of(UNEVEN_STRATA)
    ids = frame.data["thesis_id"]
    skip = IdList(tuple((i, "checked 2023") for i in ids[:10]) + (("unknown-id", ""),))
    plan = resolve_plan({"seed": 3}).with_id_lists(exclusions=skip)
    result = draw_sample(frame, plan)
    assert not set(selected_ids(result)) & set(ids[:10])
    assert result.population == len(ids) - 10
    assert result.excluded == 10 and result.exclusions_not_in_frame == 1


def test_supplementary_draw_extends_the_first_and_hits_the_combined_rate() -> None:
    strata = [
        ("master", "甲大学", "academic", "0812", 200),
        ("master", "乙大学", "professional", "0854", 100),
    ]
    frame = frame_of(strata)
    first = draw_sample(frame, resolve_plan({"seed": 9, "rates": {"master": 0.035}}))
    plan = resolve_plan(
        {"seed": 9, "rates": {"master": 0.035}, "supplements": [{"rates": {"master": 0.015}}]}
    )
    both = draw_sample(frame, plan)
    first_ids = set(selected_ids(first))
    assert first_ids <= set(selected_ids(both))
    assert both.sample_size == first.sample_size + round_half_up(Fraction(300 * 15, 1000))
    stages = Counter(both.selected_stage.tolist())
    assert stages[0] == first.sample_size and stages[1] == both.sample_size - first.sample_size
    ids = both.frame.data["thesis_id"]
    for row, stage in zip(both.selected_rows.tolist(), both.selected_stage.tolist(), strict=True):
        assert (ids[row] in first_ids) == (stage == 0)


def test_when_the_total_wins_the_minimum_is_met_by_moving_units() -> None:
    strata = [
        ("master", "大学甲", "academic", "0812", 400),
        ("master", "大学乙", "academic", "0812", 30),
        ("master", "大学丙", "academic", "0812", 10),
    ]
    frame = frame_of(strata)
    minimum = {"per": ["institution"], "count": 3, "wins": "total"}
    result = draw_sample(frame, resolve_plan({"seed": 4, "minimum": minimum}))
    sampled = Counter(frame.data["institution"][i] for i in result.selected_rows)
    assert result.sample_size == result.levels[0].target == 22  # round(440 · 0.05)
    assert sampled["大学乙"] >= 3 and sampled["大学丙"] >= 3
    assert sampled["大学甲"] == 22 - sampled["大学乙"] - sampled["大学丙"]
    assert sum(s.minimum_added for s in result.strata) == 0


@given(STRATA, st.integers(0, 1000), st.integers(1, 6))
def test_total_wins_keeps_minimums_and_never_exceeds_minimum_wins(
    strata: Strata, seed: int, count: int
) -> None:
    frame = frame_of(strata)
    grow = draw_sample(
        frame, resolve_plan({"seed": seed, "minimum": {"per": ["institution"], "count": count}})
    )
    keep = draw_sample(
        frame,
        resolve_plan(
            {"seed": seed, "minimum": {"per": ["institution"], "count": count, "wins": "total"}}
        ),
    )
    population = Counter(frame.data["institution"])
    sampled = Counter(frame.data["institution"][i] for i in keep.selected_rows)
    for institution, size in population.items():
        if size >= count:
            assert sampled[institution] >= count
    for level in keep.levels:
        assert level.target <= level.sample_size
    assert keep.sample_size <= grow.sample_size


@given(STRATA, st.integers(0, 1000), st.integers(1, 30), st.integers(1, 30))
def test_a_supplement_only_adds_units(strata: Strata, seed: int, first: int, extra: int) -> None:
    frame = frame_of(strata)
    base = {"seed": seed, "rates": {"doctoral": first / 100, "master": first / 100}}
    plan = resolve_plan(
        {**base, "supplements": [{"rates": {"doctoral": extra / 100, "master": extra / 100}}]}
    )
    before = draw_sample(frame, resolve_plan(base))
    after = draw_sample(frame, plan)
    assert set(selected_ids(before)) <= set(selected_ids(after))
    for level_before, level_after in zip(before.levels, after.levels, strict=True):
        top_up = round_half_up(level_before.population * Fraction(extra, 100))
        expected = min(level_before.sample_size + top_up, level_before.population)
        assert level_after.sample_size == expected


def test_an_xlsx_copy_draws_the_same_sample() -> None:
    import io

    import openpyxl

    rows = register_rows(UNEVEN_STRATA)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["论文编号", "学位授予单位", "学位级别", "学位类型", "学科代码", "授予日期",
                  "论文题目", "作者", "导师"])  # fmt: skip
    for row in reversed(rows):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    plan = resolve_plan({"seed": 12})
    from_xlsx = render_outputs(draw_sample(load_frame_bytes(out.getvalue(), "r.xlsx"), plan), "t")
    from_csv = render_outputs(draw_sample(frame_of(UNEVEN_STRATA), plan), "t")
    assert from_xlsx["sample.csv"] == from_csv["sample.csv"]
    assert from_xlsx["allocation.csv"] == from_csv["allocation.csv"]
