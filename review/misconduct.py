"""Suspected misconduct cases: the evidence pack and the institution's decision procedure.

A similarity score is never a verdict. When screening or a reviewer suspects misconduct
(学术不端: ghost-writing, plagiarism, fabrication), a case is opened; the degree office
passes the evidence to the institution, whose degree committee decides (Degree Law 2024
art. 37) only after notifying and hearing the person (art. 39). The person may ask for
an academic re-review (学术复核, art. 40) and a 复核 of the decision (art. 41); both have
30-day windows. The day counts are parameters (`LegalDeadlines`), not constants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from review.forms import MisconductOpinion
from review.reviews import Review
from review.theses import SampledThesis


class CaseEventKind(StrEnum):
    NOTIFIED = "notified"
    HEARING = "hearing"
    DECISION = "decision"
    ACADEMIC_REVIEW_REQUESTED = "academic_review_requested"
    ACADEMIC_REVIEW_DECIDED = "academic_review_decided"
    RECONSIDERATION_REQUESTED = "reconsideration_requested"
    RECONSIDERATION_DECIDED = "reconsideration_decided"
    CLOSED = "closed"


EVENT_LABELS: dict[CaseEventKind, str] = {
    CaseEventKind.NOTIFIED: "告知拟作出决定 notified of the intended decision (art. 39)",
    CaseEventKind.HEARING: "听取陈述和申辩 statement and defence heard (art. 39)",
    CaseEventKind.DECISION: "学位评定委员会决定 degree committee decision (art. 37)",
    CaseEventKind.ACADEMIC_REVIEW_REQUESTED: "申请学术复核 academic re-review requested (art. 40)",
    CaseEventKind.ACADEMIC_REVIEW_DECIDED: "学术复核决定 academic re-review decided (art. 40)",
    CaseEventKind.RECONSIDERATION_REQUESTED: "申请复核 复核 requested (art. 41)",
    CaseEventKind.RECONSIDERATION_DECIDED: "复核决定 复核 decided (art. 41)",
    CaseEventKind.CLOSED: "结案 case closed",
}


class CaseOutcome(StrEnum):
    NO_MISCONDUCT = "no_misconduct"
    REVOKE_DEGREE = "revoke_degree"
    OTHER_SANCTION = "other_sanction"
    UPHELD = "upheld"
    CHANGED = "changed"


@dataclass(frozen=True)
class LegalDeadlines:
    """Day counts of the procedure (Degree Law 2024 arts. 40–41: 30 days each)."""

    academic_review_request_days: int = 30
    academic_review_decision_days: int = 30
    reconsideration_request_days: int = 30
    reconsideration_decision_days: int = 30


@dataclass(frozen=True)
class CaseEvent:
    kind: CaseEventKind
    on: date
    outcome: CaseOutcome | None = None
    note: str = ""


@dataclass(frozen=True)
class MisconductCase:
    """A case and its procedural history, oldest event first."""

    thesis_id: str
    opened_on: date
    triggers: tuple[str, ...]
    events: tuple[CaseEvent, ...] = ()

    def last(self, kind: CaseEventKind) -> CaseEvent | None:
        matches = [event for event in self.events if event.kind is kind]
        return matches[-1] if matches else None

    @property
    def closed(self) -> bool:
        return self.last(CaseEventKind.CLOSED) is not None


class CaseError(ValueError):
    """An event that the procedure does not allow at this point (named in the message)."""


_DECISION_OUTCOMES = {
    CaseOutcome.NO_MISCONDUCT,
    CaseOutcome.REVOKE_DEGREE,
    CaseOutcome.OTHER_SANCTION,
}
_REVIEW_OUTCOMES = {CaseOutcome.UPHELD, CaseOutcome.CHANGED}


def case_triggers(thesis: SampledThesis, reviews: Sequence[Review]) -> list[str]:
    """Why a case should be opened for the thesis (empty when there is no suspicion)."""
    triggers: list[str] = []
    if thesis.screening is not None and thesis.screening.level == "suspected_misconduct":
        triggers.append("筛查疑似学术不端 screening: suspected misconduct")
    suspected = sum(1 for r in reviews if r.misconduct is MisconductOpinion.SUSPECTED)
    if suspected:
        triggers.append(f"{suspected} 位专家认为存在疑似学术不端 reviewer(s) suspect misconduct")
    return triggers


def record_event(
    case: MisconductCase, event: CaseEvent, rules: LegalDeadlines = LegalDeadlines()
) -> MisconductCase:
    """The case with the event appended; CaseError when the procedure forbids it."""
    if case.closed:
        raise CaseError(f"case {case.thesis_id!r} is closed")
    if case.events and event.on < case.events[-1].on:
        raise CaseError(
            f"{event.kind.value} on {event.on} is earlier than the last event "
            f"({case.events[-1].kind.value} on {case.events[-1].on})"
        )
    if event.on < case.opened_on:
        raise CaseError(f"{event.kind.value} on {event.on} is before the case was opened")
    kind = event.kind
    notified = case.last(CaseEventKind.NOTIFIED)
    hearing = case.last(CaseEventKind.HEARING)
    decision = case.last(CaseEventKind.DECISION)
    if kind is CaseEventKind.HEARING and notified is None:
        raise CaseError("the person must be notified of the intended decision before a hearing")
    if kind is CaseEventKind.DECISION:
        if decision is not None:
            raise CaseError("the degree committee has already decided this case")
        if event.outcome not in _DECISION_OUTCOMES:
            raise CaseError("a decision needs an outcome: no_misconduct, revoke_degree or other")
        if event.outcome is not CaseOutcome.NO_MISCONDUCT and hearing is None:
            raise CaseError(
                "no adverse decision before the person has been heard "
                "(告知并听取陈述和申辩, Degree Law art. 39)"
            )
    for requested, decided, request_days in (
        (
            CaseEventKind.ACADEMIC_REVIEW_REQUESTED,
            CaseEventKind.ACADEMIC_REVIEW_DECIDED,
            rules.academic_review_request_days,
        ),
        (
            CaseEventKind.RECONSIDERATION_REQUESTED,
            CaseEventKind.RECONSIDERATION_DECIDED,
            rules.reconsideration_request_days,
        ),
    ):
        if kind is requested:
            if decision is None:
                raise CaseError(f"{kind.value}: there is no decision to contest yet")
            if case.last(requested) is not None:
                raise CaseError(f"{kind.value} was already recorded")
            last_day = decision.on + timedelta(days=request_days)
            if event.on > last_day:
                raise CaseError(
                    f"{kind.value} on {event.on} is after the {request_days}-day window "
                    f"that closed on {last_day}"
                )
        if kind is decided:
            if case.last(requested) is None:
                raise CaseError(f"{kind.value}: no request was recorded")
            if case.last(decided) is not None:
                raise CaseError(f"{kind.value} was already recorded")
            if event.outcome not in _REVIEW_OUTCOMES:
                raise CaseError(f"{kind.value} needs an outcome: upheld or changed")
    return replace(case, events=(*case.events, event))


@dataclass(frozen=True)
class Deadline:
    """One tracked obligation or window; `status` is open, met, missed or waiting."""

    name: str
    due: date | None
    status: str
    done_on: date | None = None


def deadlines(
    case: MisconductCase, today: date, rules: LegalDeadlines = LegalDeadlines()
) -> list[Deadline]:
    """The procedure's obligations and windows as of `today`."""
    tracked: list[Deadline] = []
    hearing = case.last(CaseEventKind.HEARING)
    decision = case.last(CaseEventKind.DECISION)
    if decision is not None and hearing is None:
        status = "met" if decision.outcome is CaseOutcome.NO_MISCONDUCT else "missed"
    else:
        status = "met" if hearing is not None else "open"
    tracked.append(
        Deadline(
            "听证先于决定 hearing before any adverse decision (art. 39)",
            None,
            status,
            hearing.on if hearing else None,
        )
    )
    if decision is None:
        tracked.append(Deadline("学位评定委员会决定 decision (art. 37)", None, "open"))
        return tracked
    tracked.append(Deadline("学位评定委员会决定 decision (art. 37)", None, "met", decision.on))
    for label, requested, decided, request_days, decision_days in (
        (
            "学术复核 academic re-review (art. 40)",
            CaseEventKind.ACADEMIC_REVIEW_REQUESTED,
            CaseEventKind.ACADEMIC_REVIEW_DECIDED,
            rules.academic_review_request_days,
            rules.academic_review_decision_days,
        ),
        (
            "复核 reconsideration (art. 41)",
            CaseEventKind.RECONSIDERATION_REQUESTED,
            CaseEventKind.RECONSIDERATION_DECIDED,
            rules.reconsideration_request_days,
            rules.reconsideration_decision_days,
        ),
    ):
        window_end = decision.on + timedelta(days=request_days)
        request = case.last(requested)
        if request is None:
            state = "open" if today <= window_end else "expired"
            tracked.append(Deadline(f"{label}: 申请期 request window", window_end, state))
            continue
        tracked.append(Deadline(f"{label}: 申请期 request window", window_end, "met", request.on))
        due = request.on + timedelta(days=decision_days)
        answer = case.last(decided)
        if answer is not None:
            state = "met" if answer.on <= due else "missed"
        else:
            state = "open" if today <= due else "missed"
        tracked.append(
            Deadline(
                f"{label}: 作出决定 institution decides",
                due,
                state,
                answer.on if answer else None,
            )
        )
    return tracked


@dataclass(frozen=True)
class ReviewerOpinion:
    """A reviewer's view for the evidence pack, identified only by a number (blind)."""

    reviewer: str
    round: int
    overall: str
    misconduct: str
    comment: str


@dataclass(frozen=True)
class EvidencePack:
    """What the institution receives: screening evidence and anonymised reviewer opinions."""

    thesis_id: str
    triggers: tuple[str, ...]
    screening_level: str
    screening_reasons: tuple[str, ...]
    screening_report: str
    screening_report_sha256: str
    total_copy_ratio: float | None
    opinions: tuple[ReviewerOpinion, ...]


def evidence_pack(
    thesis: SampledThesis, reviews: Sequence[Review], triggers: Sequence[str]
) -> EvidencePack:
    """Collects the evidence; reviewers appear as 专家1, 专家2… in review order."""
    ordered = sorted(reviews, key=lambda r: (r.round, r.submitted_on, r.expert_id))
    screening = thesis.screening
    return EvidencePack(
        thesis_id=thesis.thesis_id,
        triggers=tuple(triggers),
        screening_level=screening.level if screening else "",
        screening_reasons=screening.reasons if screening else (),
        screening_report=screening.report if screening else "",
        screening_report_sha256=screening.report_sha256 if screening else "",
        total_copy_ratio=screening.total_copy_ratio if screening else None,
        opinions=tuple(
            ReviewerOpinion(
                reviewer=f"专家{number} reviewer {number}",
                round=review.round,
                overall=f"{review.overall.label} {review.overall.value}",
                misconduct=review.misconduct.label if review.misconduct else "",
                comment=review.misconduct_comment or review.comment,
            )
            for number, review in enumerate(ordered, start=1)
        ),
    )
