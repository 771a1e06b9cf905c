"""Misconduct cases: hearing before any adverse decision; 30-day windows tracked."""

from __future__ import annotations

from datetime import date

import pytest

from review.forms import Grade, MisconductOpinion
from review.misconduct import (
    CaseError,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    LegalDeadlines,
    MisconductCase,
    deadlines,
    evidence_pack,
    record_event,
)
from review.theses import ScreeningEvidence
from tests.review.builders import review, thesis

OPENED = date(2025, 5, 1)


def case() -> MisconductCase:
    return MisconductCase("T1", OPENED, ("screening",))


def event(kind: CaseEventKind, day: date, outcome: CaseOutcome | None = None) -> CaseEvent:
    return CaseEvent(kind, day, outcome)


def decided(on: date = date(2025, 6, 1)) -> MisconductCase:
    c = record_event(case(), event(CaseEventKind.NOTIFIED, date(2025, 5, 5)))
    c = record_event(c, event(CaseEventKind.HEARING, date(2025, 5, 20)))
    return record_event(c, event(CaseEventKind.DECISION, on, CaseOutcome.REVOKE_DEGREE))


def test_adverse_decision_without_hearing_is_refused() -> None:
    with pytest.raises(CaseError, match="heard"):
        record_event(case(), event(CaseEventKind.DECISION, OPENED, CaseOutcome.REVOKE_DEGREE))


def test_hearing_needs_notification_first() -> None:
    with pytest.raises(CaseError, match="notified"):
        record_event(case(), event(CaseEventKind.HEARING, OPENED))


def test_no_misconduct_decision_needs_no_hearing() -> None:
    c = record_event(case(), event(CaseEventKind.DECISION, OPENED, CaseOutcome.NO_MISCONDUCT))
    assert deadlines(c, OPENED)[0].status == "met"


def test_events_cannot_go_back_in_time() -> None:
    c = record_event(case(), event(CaseEventKind.NOTIFIED, date(2025, 5, 10)))
    with pytest.raises(CaseError, match="earlier"):
        record_event(c, event(CaseEventKind.HEARING, date(2025, 5, 9)))


def test_re_review_request_within_thirty_days_only() -> None:
    c = decided()
    ok = record_event(c, event(CaseEventKind.ACADEMIC_REVIEW_REQUESTED, date(2025, 7, 1)))
    assert ok.last(CaseEventKind.ACADEMIC_REVIEW_REQUESTED) is not None
    with pytest.raises(CaseError, match="30-day window"):
        record_event(c, event(CaseEventKind.ACADEMIC_REVIEW_REQUESTED, date(2025, 7, 2)))


def test_deadlines_open_met_missed_and_expired() -> None:
    c = decided()
    windows = [d for d in deadlines(c, date(2025, 6, 10)) if d.due is not None]
    assert [d.status for d in windows] == ["open", "open"]
    assert windows[0].due == date(2025, 7, 1)
    expired = [d for d in deadlines(c, date(2025, 8, 1)) if d.due is not None]
    assert [d.status for d in expired] == ["expired", "expired"]
    c = record_event(c, event(CaseEventKind.RECONSIDERATION_REQUESTED, date(2025, 6, 20)))
    late = [d for d in deadlines(c, date(2025, 8, 1)) if "institution decides" in d.name]
    assert late[0].status == "missed" and late[0].due == date(2025, 7, 20)
    c = record_event(
        c, event(CaseEventKind.RECONSIDERATION_DECIDED, date(2025, 7, 15), CaseOutcome.UPHELD)
    )
    met = [d for d in deadlines(c, date(2025, 8, 1)) if "institution decides" in d.name]
    assert met[0].status == "met"


def test_window_lengths_are_parameters() -> None:
    rules = LegalDeadlines(academic_review_request_days=10)
    with pytest.raises(CaseError):
        record_event(
            decided(), event(CaseEventKind.ACADEMIC_REVIEW_REQUESTED, date(2025, 6, 12)), rules
        )


def test_evidence_pack_is_blind_and_carries_screening_reference() -> None:
    t = thesis(
        "T1",
        screening=ScreeningEvidence(
            "suspected_misconduct", ("大段雷同",), "/r/T1.json", "ab" * 32, 0.41
        ),
    )
    reviews = [
        review("T1", "E7", Grade.FAIL, misconduct=MisconductOpinion.SUSPECTED),
        review("T1", "E3", Grade.PASS, misconduct=MisconductOpinion.NOT_FOUND),
    ]
    pack = evidence_pack(t, reviews, ["screening"])
    assert pack.screening_report == "/r/T1.json" and pack.total_copy_ratio == 0.41
    text = repr(pack)
    assert "E7" not in text and "E3" not in text and "专家E7" not in text
    assert {o.reviewer for o in pack.opinions} == {"专家1 reviewer 1", "专家2 reviewer 2"}
