"""Feedback to institutions (no expert or reporter identity), marks, decisions, history."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from review.allegations import (
    AllegationKind,
    AllegationReport,
    Reporter,
    accept,
    link,
    receive,
)
from review.consequences import (
    AccountabilityDecision,
    DecisionError,
    MarkKind,
    Measure,
    marks,
    record_decision,
)
from review.cycle import ReviewCycle
from review.feedback import (
    feedback_for_institutions,
    institution_feedback,
    render_feedback_html,
)
from review.follow_up_policy import load_policy
from review.forms import Grade
from review.history_view import history_rows, rate_change, rate_chart_svg, render_history_html
from review.institution_history import (
    YearRecord,
    build_histories,
    case_found_misconduct,
    misconduct_by_institution,
)
from review.misconduct import CaseEvent, CaseEventKind, CaseOutcome, MisconductCase
from review.rectification import escalate_overdue, open_items
from review.results import compute_results
from sampler.estimate import RateEstimate
from tests.review.builders import expert, review, thesis

DAY = date(2025, 11, 1)
FAIL, GOOD = Grade.FAIL, Grade.GOOD


def _cycle() -> ReviewCycle:
    theses = [thesis(f"A{k}", "甲大学", title=f"甲论文{k}") for k in range(4)]
    theses += [thesis(f"B{k}", "乙大学") for k in range(4)]
    experts = [expert(f"E{k}", name=f"专家姓名{k}") for k in range(5)]
    reviews = [
        review("A0", "E0", FAIL),
        review("A0", "E1", FAIL),
        review("A0", "E2", GOOD),
        review("A1", "E0", FAIL),
        review("A1", "E3", GOOD),
        review("A1", "E4", GOOD),
        review("A1", "E1", FAIL, round_number=2),
        review("A1", "E2", GOOD, round_number=2),
    ]
    for tid in ("A2", "A3", "B0", "B1", "B2", "B3"):
        reviews += [review(tid, f"E{k}", GOOD) for k in range(3)]
    return ReviewCycle(seed=1, theses=tuple(theses), experts=tuple(experts), reviews=tuple(reviews))


def test_feedback_has_opinions_rates_and_comparison_but_no_expert_identity() -> None:
    cycle = _cycle()
    results = compute_results(cycle, 2025)
    secret = AllegationReport(
        "甲论文0",
        "作者",
        "甲大学",
        2024,
        AllegationKind.PLAGIARISM,
        reporter=Reporter("举报人王", "13900001111"),
    )
    allegation = link(accept(receive(secret, DAY), DAY, "office"), "A0", DAY, "office")
    feedback = institution_feedback(cycle, results, "甲大学", [allegation])
    assert [t.thesis_id for t in feedback.problem_theses] == ["A0", "A1"]
    opinions = feedback.problem_theses[1].opinions
    assert [o.round for o in opinions] == [1, 1, 1, 2, 2]
    assert [o.expert for o in opinions] == [f"专家 {c} expert" for c in "ABCDE"]
    assert feedback.own is not None and feedback.own.problems == 2
    assert feedback.overall is not None and feedback.overall.sampled == 8
    assert "overall" in feedback.position
    html = render_feedback_html(feedback)
    for hidden in ("E0", "E1", "专家姓名", "举报人王", "13900001111", allegation.code):
        assert hidden not in html, hidden
        assert hidden not in repr(feedback), hidden
    assert "专家 A" in html and "不合格" in html and "甲论文0" in html
    assert not re.search(r"(src|href)=\"?https?:", html)
    other = institution_feedback(cycle, results, "乙大学", [allegation])
    assert other.problem_theses == () and other.allegations == ()


def test_feedback_for_many_institutions_is_each_institutions_feedback() -> None:
    cycle = _cycle()
    results = compute_results(cycle, 2025)
    names = ["乙大学", "甲大学", "丙大学"]  # 丙大学 had no sampled thesis: no rates, no theses
    together = feedback_for_institutions(cycle, results, names)
    assert together == [institution_feedback(cycle, results, name) for name in names]
    assert together[2].own is None and together[2].problem_theses == ()


def _histories(results=None):
    prior = {
        (2024, "甲大学"): 1,
        (2023, "丙大学"): 0,
        (2024, "丙大学"): 0,
        (2025, "丙大学"): 0,
    }
    return build_histories([results] if results else [], prior)


def test_marks_interview_notice_and_recognition() -> None:
    results = compute_results(_cycle(), 2025)
    histories = _histories(results)
    found = {(m.institution, m.kind): m.basis for m in marks(2025, histories, load_policy())}
    assert ("甲大学", MarkKind.INTERVIEW) in found and ("甲大学", MarkKind.NOTICE) in found
    assert "2 years running (2024、2025)" in found[("甲大学", MarkKind.INTERVIEW)]
    assert "high problem rate" in found[("甲大学", MarkKind.INTERVIEW)]
    assert ("丙大学", MarkKind.RECOGNITION) in found
    assert not any(k[0] == "乙大学" for k in found)  # one clean year is not enough


def test_high_rate_alone_marks_for_interview() -> None:
    results = compute_results(_cycle(), 2025)
    histories = build_histories([results])
    found = {(m.institution, m.kind): m.basis for m in marks(2025, histories, load_policy())}
    assert "running" not in found[("甲大学", MarkKind.INTERVIEW)]
    assert "95% CI" in found[("甲大学", MarkKind.INTERVIEW)]


def test_escalated_rectification_lists_for_notice() -> None:
    plan, report = open_items("丁大学", 2025, DAY, DAY + timedelta(days=90), DAY, "office")
    escalated, _ = escalate_overdue([plan, report], DAY + timedelta(days=2))
    found = marks(2025, {}, load_policy(), escalated)
    assert [(m.institution, m.kind) for m in found] == [("丁大学", MarkKind.NOTICE)]
    assert "escalated" in found[0].basis


def test_accountability_decisions_need_a_basis() -> None:
    decision = AccountabilityDecision(
        "甲大学", 2025, Measure.ENROLMENT_CUT, "连续两年问题论文", DAY, "学位办"
    )
    decisions = record_decision((), decision)
    assert decisions == (decision,)
    with pytest.raises(DecisionError, match="already recorded"):
        record_decision(decisions, decision)
    with pytest.raises(DecisionError, match="needs its basis"):
        record_decision((), AccountabilityDecision("甲大学", 2025, Measure.OTHER, " ", DAY, "x"))
    with pytest.raises(DecisionError, match="who decided"):
        record_decision((), AccountabilityDecision("甲大学", 2025, Measure.OTHER, "b", DAY, ""))


def test_misconduct_findings_count_only_decided_cases() -> None:
    found = MisconductCase(
        "A0",
        DAY,
        ("x",),
        (CaseEvent(CaseEventKind.DECISION, DAY, CaseOutcome.REVOKE_DEGREE),),
    )
    overturned = MisconductCase(
        "A1",
        DAY,
        ("x",),
        (
            CaseEvent(CaseEventKind.DECISION, DAY, CaseOutcome.OTHER_SANCTION),
            CaseEvent(CaseEventKind.RECONSIDERATION_DECIDED, DAY, CaseOutcome.CHANGED),
        ),
    )
    cleared = MisconductCase(
        "X9", DAY, ("x",), (CaseEvent(CaseEventKind.DECISION, DAY, CaseOutcome.REVOKE_DEGREE),)
    )
    assert case_found_misconduct(found) and not case_found_misconduct(overturned)
    alleged = link(
        receive(AllegationReport("t", "a", "戊大学", 2024, AllegationKind.GHOST_WRITING), DAY),
        "X9",
        DAY,
        "office",
    )
    cycle = ReviewCycle(seed=1, theses=_cycle().theses, cases=(found, overturned, cleared))
    assert misconduct_by_institution(cycle, [alleged]) == {"甲大学": 1, "戊大学": 1}


def test_history_rows_and_page() -> None:
    results = compute_results(_cycle(), 2025)
    histories = _histories(results)
    allegation = accept(
        receive(AllegationReport("t", "a", "甲大学", 2024, AllegationKind.FABRICATION), DAY),
        DAY,
        "office",
    )
    plan, report = open_items("甲大学", 2025, DAY, DAY + timedelta(days=90), DAY, "office")
    rows = history_rows(histories, [allegation], [plan, report])
    jia = [r for r in rows if r.institution == "甲大学"]
    assert [(r.year, r.problems, r.sampled) for r in jia] == [(2024, 1, None), (2025, 2, 4)]
    assert jia[1].allegations == 1 and jia[1].rectification.startswith("整改方案")
    assert jia[1].ci_low is not None and jia[1].ci_low <= jia[1].estimate <= jia[1].ci_high
    svg = rate_chart_svg(jia)
    assert svg.startswith("<svg") and "<circle" in svg and "1 篇" in svg
    html = render_history_html(rows, "2023–2025")
    assert html.count("<svg") == 3 and "丙大学" in html
    assert "http://www.w3.org/2000/svg" in html
    assert not re.search(r"<(script|link|img)\b", html)


def _record(year: int, low: float, high: float) -> YearRecord:
    rate = RateEstimate(
        "institution", "甲大学", 20, 2, (low + high) / 2, low, high, "kg", 200, 0.1, 20
    )
    return YearRecord(year, 2, 20, 20, rate)


def test_rate_change_needs_intervals_that_do_not_overlap() -> None:
    assert rate_change(_record(2024, 0.01, 0.10), _record(2025, 0.12, 0.30)) == "上升 up"
    assert rate_change(_record(2024, 0.20, 0.40), _record(2025, 0.01, 0.10)) == "下降 down"
    assert rate_change(_record(2024, 0.05, 0.20), _record(2025, 0.10, 0.30)).startswith("无明显")
    assert rate_change(None, _record(2025, 0.1, 0.2)) == ""
    assert rate_change(_record(2023, 0.01, 0.02), _record(2025, 0.5, 0.6)) == ""
    assert rate_change(YearRecord(2024, 3), _record(2025, 0.5, 0.6)) == ""
