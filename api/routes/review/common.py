"""The routers, shared constants, audit helper and domain → response-body mappings of the
review routes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from api import audit
from api import review_service as rs
from api.deps import client_address
from api.schemas.review import (
    CaseEventPublic,
    CasePublic,
    DeadlinePublic,
    DimensionPublic,
    FormDimensionPublic,
    FormPublic,
    MyAssignmentPublic,
    OfficeReviewPublic,
    OpinionPublic,
    ReviewAssignmentPublic,
    ReviewCyclePublic,
    ReviewPublic,
    ShortfallPublic,
)
from review.assign import Assignment, StaffingResult
from review.cycle import (
    STATE_LABELS,
    ReviewCycle,
    ThesisState,
    ThesisStatus,
    latest_reviews,
    thesis_statuses,
)
from review.decision import OUTCOME_LABELS
from review.forms import form_for
from review.misconduct import (
    EVENT_LABELS,
    MisconductCase,
    deadlines,
    evidence_pack,
)
from review.reviews import Review
from review.theses import SampledThesis
from sampler.disciplines import CATEGORY_NAMES, discipline_name

router = APIRouter(prefix="/v1", tags=["review"])
reviewer_router = APIRouter(prefix="/v1/reviewer", tags=["reviewer"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_TABLE_BYTES = 20 * 1024 * 1024


# --- mapping domain objects to response bodies ------------------------------------------------


def assignment_public(assignment: Assignment, ids: dict[tuple[str, str, int], str]) -> Any:
    return ReviewAssignmentPublic(
        id=ids.get((assignment.thesis_id, assignment.expert_id, assignment.round), ""),
        thesis_id=assignment.thesis_id,
        expert_id=assignment.expert_id,
        round=assignment.round,
        match=assignment.match.value,
        assigned_on=assignment.assigned_on,
        due_on=assignment.due_on,
        status=assignment.status.value,
        replaces=assignment.replaces,
        ended_on=assignment.ended_on,
    )


def staffing_public(
    session: Session, cycle_id: str, result: StaffingResult
) -> tuple[list[ReviewAssignmentPublic], list[ShortfallPublic]]:
    ids = rs.assignment_ids(session, cycle_id)
    return (
        [assignment_public(a, ids) for a in result.assignments],
        [
            ShortfallPublic(
                thesis_id=s.thesis_id,
                round=s.round,
                needed=s.needed,
                assigned=s.assigned,
                reason=s.reason,
            )
            for s in result.shortfalls
        ],
    )


def review_public(review: Review) -> ReviewPublic:
    return ReviewPublic(
        round=review.round,
        form_id=review.form_id,
        overall=review.overall,
        overall_label=review.overall.label,
        dimensions=[
            DimensionPublic(key=d.key, grade=d.grade, comment=d.comment) for d in review.dimensions
        ],
        comment=review.comment,
        misconduct=review.misconduct,
        misconduct_comment=review.misconduct_comment,
        submitted_on=review.submitted_on,
        revision=review.revision,
    )


def office_review_public(review: Review) -> OfficeReviewPublic:
    return OfficeReviewPublic(
        thesis_id=review.thesis_id,
        expert_id=review.expert_id,
        **review_public(review).model_dump(),
    )


def status_fields(cycle: ReviewCycle, status: ThesisStatus) -> dict[str, Any]:
    thesis = cycle.thesis(status.thesis_id)
    return {
        "thesis_id": thesis.thesis_id,
        "institution": thesis.institution,
        "degree_level": thesis.degree_level,
        "degree_type": thesis.degree_type,
        "discipline_code": thesis.discipline_code,
        "title": thesis.title,
        "state": status.state.value,
        "state_label": STATE_LABELS[status.state],
        "outcome": status.decision.outcome.value,
        "outcome_label": OUTCOME_LABELS[status.decision.outcome],
        "reason": status.decision.reason,
        "reviews_needed": status.decision.reviews_needed,
        "active_experts": status.active_experts,
        "screening_level": thesis.screening.level if thesis.screening else None,
    }


def case_public(cycle: ReviewCycle, case: MisconductCase) -> CasePublic:
    # A case opened from an allegation (举报) may concern a thesis outside the sample: it has
    # no screening and no reviews in this cycle.
    thesis = cycle.thesis_map().get(case.thesis_id) or SampledThesis(
        thesis_id=case.thesis_id, institution="", degree_level="", degree_type="",
        discipline_code="",
    )  # fmt: skip
    reviews = [r for r in latest_reviews(cycle.reviews).values() if r.thesis_id == case.thesis_id]
    pack = evidence_pack(thesis, reviews, case.triggers)
    return CasePublic(
        thesis_id=case.thesis_id,
        opened_on=case.opened_on,
        triggers=list(case.triggers),
        closed=case.closed,
        events=[
            CaseEventPublic(
                kind=e.kind.value,
                label=EVENT_LABELS[e.kind],
                on=e.on,
                outcome=e.outcome.value if e.outcome else None,
                note=e.note,
            )
            for e in case.events
        ],
        deadlines=[
            DeadlinePublic(name=d.name, due=d.due, status=d.status, done_on=d.done_on)
            for d in deadlines(case, rs.clock.today())
        ],
        screening_level=pack.screening_level,
        screening_reasons=list(pack.screening_reasons),
        screening_report=pack.screening_report,
        total_copy_ratio=pack.total_copy_ratio,
        opinions=[
            OpinionPublic(
                reviewer=o.reviewer,
                round=o.round,
                overall=o.overall,
                misconduct=o.misconduct,
                comment=o.comment,
            )
            for o in pack.opinions
        ],
    )


def cycle_public(session: Session, loaded: rs.LoadedCycle) -> ReviewCyclePublic:
    record, cycle = loaded.record, loaded.cycle
    states = Counter(s.state.value for s in thesis_statuses(cycle).values())
    return ReviewCyclePublic(
        id=record.id,
        draw_id=record.draw_id,
        year=record.year,
        seed=record.seed,
        due_days=record.due_days,
        exclusions=list(record.exclusions),
        identity=record.identity,
        theses=len(cycle.theses),
        experts=len(cycle.experts),
        states={state.value: states.get(state.value, 0) for state in ThesisState},
        prior_results=record.prior_results_name,
        created_at=record.created_at,
    )


def discipline_label(code: str) -> str:
    """'0812 计算机科学与技术' from the 2022 catalogue (the 门类 name when the code is unknown)."""
    return f"{code} {discipline_name(code) or CATEGORY_NAMES.get(code[:2], '')}".strip()


def my_assignment_public(item: rs.ReviewerAssignment) -> MyAssignmentPublic:
    thesis = item.thesis
    form = form_for(thesis.degree_type)
    code = thesis.discipline_code
    return MyAssignmentPublic(
        id=item.id,
        blind_id=item.blind_id,
        title=thesis.title,
        degree_level=thesis.degree_level,
        degree_type=thesis.degree_type,
        discipline_code=code,
        discipline_label=discipline_label(code),
        round=item.assignment.round,
        due_on=item.assignment.due_on,
        status=item.assignment.status.value,
        thesis_state=item.status.state.value,
        thesis_state_label=STATE_LABELS[item.status.state],
        misconduct_opinion_required=thesis.flagged,
        open_for_review=item.open_for_review,
        form=FormPublic(
            form_id=form.form_id,
            title=form.title,
            dimensions=[
                FormDimensionPublic(
                    key=d.key, label_zh=d.label_zh, label_en=d.label_en, guidance=d.guidance
                )
                for d in form.dimensions
            ],
        ),
        review=review_public(item.review) if item.review else None,
    )


def _audit(
    session: Session,
    caller: Any,
    request: Request,
    action: str,
    cycle_id: str,
    detail: dict[str, Any],
) -> None:
    audit.record(session, caller, action, "review_cycle", cycle_id, detail, client_address(request))


def _binary(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {"schema": {"type": "string"}}}}}
