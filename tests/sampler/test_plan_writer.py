"""Generated plans: commented TOML that the plan reader reads back exactly as drafted."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampler.plan import PlanError, load_plan_toml, resolve_plan
from sampler.plan_writer import (
    CertaintyDraft,
    CommentedValue,
    EmphasisDraft,
    PlanDraft,
    render_plan,
    toml_number,
)

names = st.text(
    alphabet=st.sampled_from(
        list('甲乙丙大学院學"\\#，（）ab ') + ["\n", "\t", "\x07", "\x7f", "\r"]
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")
fractions = st.fractions(min_value=Fraction(1, 50), max_value=Fraction(5), max_denominator=60)


@given(
    values=st.lists(names, min_size=1, max_size=5, unique_by=str.strip),
    multiplier=fractions,
    comment=names,
    ids=st.lists(st.from_regex(r"[A-Z][0-9]{1,5}", fullmatch=True), max_size=4, unique=True),
)
@settings(max_examples=60, deadline=None)
def test_any_draft_reads_back_as_written(
    values: list[str], multiplier: Fraction, comment: str, ids: list[str]
) -> None:
    draft = PlanDraft(
        rates={"doctoral": Fraction(1, 10), "master": Fraction(3, 70)},
        header=(comment,),
        emphasis=(
            EmphasisDraft(
                "institution",
                multiplier,
                comment,
                tuple(CommentedValue(v, comment) for v in values),
                (comment,),
            ),
        ),
        certainty=tuple(CertaintyDraft(i, comment.strip(), comment) for i in ids),
        footer=(comment,),
    )
    plan = load_plan_toml(render_plan(draft))
    assert plan.rates["master"] == Fraction(3, 70)
    assert plan.emphasis[0].multiplier == multiplier
    assert set(plan.emphasis[0].values) == {v.strip() for v in values}
    assert plan.certainty.entries == tuple(sorted((i, comment.strip()) for i in ids))


def test_numbers_are_exact_decimals_or_fractions() -> None:
    assert toml_number(Fraction(1, 20)) == "0.05"
    assert toml_number(Fraction(3, 2)) == "1.5"
    assert toml_number(Fraction(2)) == "2"
    assert toml_number(Fraction(1, 3)) == '"1/3"'
    assert load_plan_toml('[rates]\nmaster = "1/3"').rates["master"] == Fraction(1, 3)


def test_inline_certainty_list_is_read_and_checked() -> None:
    plan = load_plan_toml('certainty = [{thesis_id = " T2 ", reason = "举报"}, {thesis_id = "T1"}]')
    assert plan.certainty.entries == (("T1", ""), ("T2", "举报"))
    with pytest.raises(PlanError, match="listed twice"):
        load_plan_toml('certainty = [{thesis_id = "T1"}, {thesis_id = "T1"}]')
    with pytest.raises(PlanError, match="empty thesis_id"):
        load_plan_toml('certainty = [{reason = "x"}]')
    with pytest.raises(PlanError, match="not both"):
        resolve_plan({"certainty": [{"thesis_id": "T1"}], "certainty_file": "c.csv"})
    with pytest.raises(PlanError, match="expected a table"):
        load_plan_toml('certainty = ["T1"]')


def test_a_manifest_reference_is_not_taken_for_a_list() -> None:
    reference = {"file": "certainty.csv", "count": 1, "sha256": "0" * 64}
    assert resolve_plan({"certainty": reference}).certainty.entries == ()
