"""Expert review over HTTP: the office runs review cycles; reviewers see and answer their own.

Office (admin keys): a review cycle per draw, the expert pool, seeded assignment,
declines and timeouts, offline review forms, thesis states and decisions, misconduct
cases with their deadlines, results (JSON, CSV, XLSX, HTML), reviewer keys and one-time
portal links. Reviewers (reviewer keys bound to an expert): their assignments, the blind
report and their review, before the deadline.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import audit
from api import review_service as rs
from api.deps import AdminCaller, CallerDep, PageDep, ServiceDep, SessionDep, client_address
from api.keys import create_key
from api.problems import ApiProblem, not_found
from api.schemas.common import Paged
from api.schemas.review import (
    AssignmentEnd,
    CaseEventCreate,
    CaseEventPublic,
    CasePublic,
    ConsecutivePublic,
    DeadlinePublic,
    DimensionPublic,
    ExpertKeyCreated,
    ExpertPublic,
    FormDimensionPublic,
    FormPublic,
    GroupResultPublic,
    ImportSummary,
    LoginLinkCreated,
    MyAssignmentPublic,
    OfficeReviewPublic,
    OpinionPublic,
    ProblemThesisPublic,
    RatePublic,
    ResultsPublic,
    ReviewAssignmentPublic,
    ReviewCycleCreate,
    ReviewCyclePublic,
    ReviewImportSummary,
    ReviewPublic,
    ReviewSubmit,
    ShortfallPublic,
    StaffingPublic,
    ThesisDetailPublic,
    ThesisStatusPublic,
    TimeoutRun,
)
from api.service import Service
from api.storage.models import Draw
from api.storage.review_models import ExpertKey, ReviewCycleRecord
from api.uploads import label_from_request, read_body_limited
from review import workflows
from review.assign import Assignment, AssignmentStatus, StaffingResult
from review.cycle import (
    STATE_LABELS,
    ReviewCycle,
    ThesisState,
    ThesisStatus,
    latest_reviews,
    open_cases,
    replace_case,
    thesis_statuses,
    time_out_overdue,
)
from review.decision import OUTCOME_LABELS
from review.experts import read_expert_pool
from review.forms import form_for
from review.misconduct import (
    EVENT_LABELS,
    CaseError,
    CaseEvent,
    MisconductCase,
    deadlines,
    evidence_pack,
    record_event,
)
from review.provinces import read_institution_provinces
from review.publish import write_results
from review.results import Results, compute_results, read_prior_results
from review.reviews import Review, parse_review_rows
from review.tables import TableError, ValidationError
from sampler.disciplines import CATEGORY_NAMES, discipline_name

router = APIRouter(prefix="/v1", tags=["review"])
reviewer_router = APIRouter(prefix="/v1/reviewer", tags=["reviewer"])

TABLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}
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
    thesis = cycle.thesis(case.thesis_id)
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
            for d in deadlines(case, rs.today())
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


# --- review cycles -------------------------------------------------------------------------


@router.post("/review-cycles", response_model=ReviewCyclePublic, status_code=201)
def create_review_cycle(
    body: ReviewCycleCreate,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> ReviewCyclePublic:
    """Starts the review stage of a draw: its sampled theses, the rules and the seed."""
    draw = session.get(Draw, body.draw_id)
    if draw is None:
        raise not_found("draw", body.draw_id)
    existing = session.scalar(
        select(ReviewCycleRecord.id).where(ReviewCycleRecord.draw_id == draw.id)
    )
    if existing is not None:
        raise ApiProblem(
            409,
            "cycle-exists",
            "Review cycle exists",
            f"draw {draw.id!r} already has review cycle {existing!r}",
        )
    theses = rs.with_screening_evidence(service, session, rs.sample_theses(service, draw))
    record = ReviewCycleRecord(
        draw_id=draw.id,
        year=body.year,
        seed=body.seed,
        exclusions=sorted(set(body.exclusions)),
        due_days=body.due_days,
        identity=body.identity,
        created_by=caller.key_id,
    )
    session.add(record)
    session.flush()
    empty = rs.LoadedCycle(record, ReviewCycle(seed=body.seed))
    loaded = rs.save_cycle(session, empty, ReviewCycle(seed=body.seed, theses=tuple(theses)))
    _audit(
        session,
        caller,
        request,
        "review.cycle.create",
        record.id,
        {"draw_id": draw.id, "seed": body.seed, "theses": len(theses)},
    )
    session.commit()
    return cycle_public(session, rs.load_cycle(session, loaded.record.id))


@router.get("/review-cycles", response_model=Paged[ReviewCyclePublic])
def list_review_cycles(
    session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[ReviewCyclePublic]:
    count = session.scalar(select(func.count(ReviewCycleRecord.id))) or 0
    ids = session.scalars(
        select(ReviewCycleRecord.id)
        .order_by(ReviewCycleRecord.created_at.desc(), ReviewCycleRecord.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return Paged[ReviewCyclePublic](
        data=[cycle_public(session, rs.load_cycle(session, i)) for i in ids], count=count
    )


@router.get("/review-cycles/{cycle_id}", response_model=ReviewCyclePublic)
def get_review_cycle(cycle_id: str, session: SessionDep, caller: AdminCaller) -> ReviewCyclePublic:
    """The cycle's rules and how many theses are in each state."""
    return cycle_public(session, rs.load_cycle(session, cycle_id))


# --- expert pool and reviewer credentials -------------------------------------------------


@router.put(
    "/review-cycles/{cycle_id}/experts",
    response_model=ImportSummary,
    openapi_extra=TABLE_BODY,
    responses={413: {"description": "too large"}, 422: {"description": "invalid pool"}},
)
async def import_expert_pool(
    cycle_id: str,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> ImportSummary:
    """Replaces the expert pool with a CSV/XLSX file (raw body); every problem is listed.

    Columns: expert_id, name, institution, province, disciplines, contact, max_load
    (Chinese headers such as 专家编号, 姓名, 工作单位 are accepted). Experts who already have
    assignments must stay in the pool.
    """
    data = await read_body_limited(request, MAX_TABLE_BYTES)
    label = label_from_request(request, "experts.csv")

    def run() -> ImportSummary:
        try:
            with rs.uploaded_table(data, label) as path:
                experts = read_expert_pool(path)
        except (ValidationError, TableError) as exc:
            raise rs.table_problem(exc, label, "Invalid expert pool") from exc

        with rs.workflow_problems():
            rs.change_cycle(
                session,
                cycle_id,
                lambda loaded: (workflows.replace_pool(loaded.cycle, experts), None),
            )
        _audit(
            session,
            caller,
            request,
            "review.experts.import",
            cycle_id,
            {"label": label, "experts": len(experts)},
        )
        session.commit()
        return ImportSummary(imported=len(experts), label=label)

    return await run_in_threadpool(run)


@router.put(
    "/review-cycles/{cycle_id}/provinces",
    response_model=ImportSummary,
    openapi_extra=TABLE_BODY,
    responses={413: {"description": "too large"}, 422: {"description": "invalid mapping"}},
)
async def import_institution_provinces(
    cycle_id: str,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> ImportSummary:
    """Institution → province mapping (CSV/XLSX: institution, province) for the
    same-province exclusion; it overrides what the expert pool says about an institution."""
    data = await read_body_limited(request, MAX_TABLE_BYTES)
    label = label_from_request(request, "provinces.csv")

    def run() -> ImportSummary:
        try:
            with rs.uploaded_table(data, label) as path:
                provinces = read_institution_provinces(path)
        except (ValidationError, TableError) as exc:
            raise rs.table_problem(exc, label, "Invalid province mapping") from exc
        rs.change_cycle(
            session,
            cycle_id,
            lambda loaded: (workflows.apply_province_mapping(loaded.cycle, provinces), None),
        )
        _audit(
            session,
            caller,
            request,
            "review.provinces.import",
            cycle_id,
            {"label": label, "institutions": len(provinces)},
        )
        session.commit()
        return ImportSummary(imported=len(provinces), label=label)

    return await run_in_threadpool(run)


@router.get("/review-cycles/{cycle_id}/experts", response_model=Paged[ExpertPublic])
def list_cycle_experts(
    cycle_id: str, session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[ExpertPublic]:
    cycle = rs.load_cycle(session, cycle_id).cycle
    load = Counter(a.expert_id for a in cycle.assignments if a.counts_toward_load)
    experts = cycle.experts[page.offset : page.offset + page.limit]
    return Paged[ExpertPublic](
        data=[
            ExpertPublic(
                expert_id=e.expert_id,
                name=e.name,
                institution=e.institution,
                province=e.province,
                disciplines=list(e.disciplines),
                contact=e.contact,
                max_load=e.max_load,
                load=load[e.expert_id],
            )
            for e in experts
        ],
        count=len(cycle.experts),
    )


def _expert_in_cycle(session: Session, cycle_id: str, expert_id: str) -> None:
    cycle = rs.load_cycle(session, cycle_id).cycle
    if all(e.expert_id != expert_id for e in cycle.experts):
        raise not_found("expert", expert_id)


@router.post(
    "/review-cycles/{cycle_id}/experts/{expert_id}/keys",
    response_model=ExpertKeyCreated,
    status_code=201,
)
def create_expert_key(
    cycle_id: str,
    expert_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> ExpertKeyCreated:
    """A reviewer API key bound to this expert; the token is shown only in this response."""
    _expert_in_cycle(session, cycle_id, expert_id)
    created = create_key(
        session,
        secret=service.settings.secret_key,
        role="reviewer",
        name=f"expert {expert_id}",
    )
    session.add(ExpertKey(key_id=created.key.id, cycle_id=cycle_id, expert_id=expert_id))
    audit.record(
        session,
        caller,
        "key.create",
        "api_key",
        created.key.id,
        {"role": "reviewer", "cycle_id": cycle_id, "expert_id": expert_id},
        client_address(request),
    )
    session.commit()
    return ExpertKeyCreated(
        key_id=created.key.id,
        prefix=created.key.prefix,
        token=created.token,
        cycle_id=cycle_id,
        expert_id=expert_id,
    )


@router.post(
    "/review-cycles/{cycle_id}/experts/{expert_id}/login-links",
    response_model=LoginLinkCreated,
    status_code=201,
)
def create_login_link(
    cycle_id: str,
    expert_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> LoginLinkCreated:
    """A single-use portal sign-in link for the expert, valid for 7 days."""
    _expert_in_cycle(session, cycle_id, expert_id)
    token, record = rs.issue_token(
        session,
        service.settings.secret_key,
        "link",
        rs.ReviewerIdentity(cycle_id, expert_id),
        rs.LINK_TTL,
        caller.key_id,
    )
    _audit(
        session,
        caller,
        request,
        "portal.link.create",
        cycle_id,
        {"expert_id": expert_id, "link_id": record.id},
    )
    session.commit()
    return LoginLinkCreated(path=f"/portal/link/{token}", token=token, expires_at=record.expires_at)


# --- assignment -----------------------------------------------------------------------------


@router.post("/review-cycles/{cycle_id}/assignment-runs", response_model=StaffingPublic)
def run_review_assignment(
    cycle_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> StaffingPublic:
    """Staffs every thesis short of experts (3 in round 1, 2 in 复评); seeded, reproducible.

    Screening flags are refreshed first. The answer lists the new assignments and every
    thesis that could not be fully staffed, with the reason.
    """

    def assign(loaded: rs.LoadedCycle) -> tuple[ReviewCycle, StaffingResult]:
        theses = rs.with_screening_evidence(service, session, loaded.cycle.theses)
        run = workflows.run_assignment(replace(loaded.cycle, theses=tuple(theses)), rs.today())
        return run.cycle, run.staffing

    with rs.workflow_problems():
        _, result = rs.change_cycle(session, cycle_id, assign)
    assigned, shortfalls = staffing_public(session, cycle_id, result)
    _audit(
        session,
        caller,
        request,
        "review.assign",
        cycle_id,
        {"assigned": len(assigned), "shortfalls": len(shortfalls)},
    )
    session.commit()
    return StaffingPublic(assigned=assigned, shortfalls=shortfalls)


@router.get("/review-cycles/{cycle_id}/assignments", response_model=Paged[ReviewAssignmentPublic])
def list_review_assignments(
    cycle_id: str,
    session: SessionDep,
    caller: AdminCaller,
    page: PageDep,
    thesis_id: Annotated[str | None, Query(max_length=100)] = None,
    expert_id: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> Paged[ReviewAssignmentPublic]:
    """Every assignment ever made (history included), filterable by thesis, expert, status."""
    cycle = rs.load_cycle(session, cycle_id).cycle
    ids = rs.assignment_ids(session, cycle_id)
    rows = [
        a
        for a in cycle.assignments
        if (thesis_id is None or a.thesis_id == thesis_id)
        and (expert_id is None or a.expert_id == expert_id)
        and (status is None or a.status.value == status)
    ]
    return Paged[ReviewAssignmentPublic](
        data=[assignment_public(a, ids) for a in rows[page.offset : page.offset + page.limit]],
        count=len(rows),
    )


@router.post("/review-cycles/{cycle_id}/assignment-ends", response_model=StaffingPublic)
def end_review_assignment(
    cycle_id: str,
    body: AssignmentEnd,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> StaffingPublic:
    """Records a decline or timeout and assigns a replacement (the count stays 3)."""

    ended = [(body.thesis_id, body.expert_id, AssignmentStatus(body.status))]
    with rs.workflow_problems():
        _, result = rs.change_cycle(
            session,
            cycle_id,
            lambda loaded: workflows.end_assignments(loaded.cycle, ended, rs.today()),
        )
    assigned, shortfalls = staffing_public(session, cycle_id, result)
    _audit(
        session,
        caller,
        request,
        f"review.assignment.{body.status}",
        cycle_id,
        {
            "thesis_id": body.thesis_id,
            "expert_id": body.expert_id,
            "replacements": [a.expert_id for a in assigned],
        },
    )
    session.commit()
    return StaffingPublic(assigned=assigned, shortfalls=shortfalls)


@router.post("/review-cycles/{cycle_id}/timeout-runs", response_model=StaffingPublic)
def time_out_overdue_reviews(
    cycle_id: str,
    body: TimeoutRun,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> StaffingPublic:
    """Times out every assignment past its due date and replaces each expert."""
    on = body.today or rs.today()
    _, result = rs.change_cycle(
        session, cycle_id, lambda loaded: time_out_overdue(loaded.cycle, on)
    )
    assigned, shortfalls = staffing_public(session, cycle_id, result)
    _audit(
        session,
        caller,
        request,
        "review.timeouts",
        cycle_id,
        {"on": on.isoformat(), "replacements": len(assigned)},
    )
    session.commit()
    return StaffingPublic(assigned=assigned, shortfalls=shortfalls)


# --- offline review forms, thesis states ---------------------------------------------------


@router.post(
    "/review-cycles/{cycle_id}/review-imports",
    response_model=ReviewImportSummary,
    openapi_extra=TABLE_BODY,
    responses={413: {"description": "too large"}, 422: {"description": "invalid forms"}},
)
async def import_offline_reviews(
    cycle_id: str,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> ReviewImportSummary:
    """Records offline review forms (CSV/XLSX, one row per review); all rows or none."""
    data = await read_body_limited(request, MAX_TABLE_BYTES)
    label = label_from_request(request, "reviews.csv")

    def run() -> ReviewImportSummary:
        def record(loaded: rs.LoadedCycle) -> tuple[ReviewCycle, tuple[int, Any, list[str]]]:
            on = rs.today()
            try:
                with rs.uploaded_table(data, label) as path:
                    parsed = parse_review_rows(path, loaded.cycle.thesis_map(), on)
            except (ValidationError, TableError) as exc:
                raise rs.table_problem(exc, label, "Invalid review forms") from exc
            done = workflows.import_reviews(loaded.cycle, parsed, on, source=label)
            return done.cycle, (done.imported, done.staffing, [c.thesis_id for c in done.opened])

        with rs.workflow_problems():
            _, (count, staffed, opened) = rs.change_cycle(session, cycle_id, record)
        assigned, shortfalls = staffing_public(session, cycle_id, staffed)
        _audit(
            session,
            caller,
            request,
            "review.reviews.import",
            cycle_id,
            {"label": label, "reviews": count, "re_review_assigned": len(assigned)},
        )
        session.commit()
        return ReviewImportSummary(
            imported=count,
            label=label,
            re_review_assigned=assigned,
            shortfalls=shortfalls,
            cases_opened=opened,
        )

    return await run_in_threadpool(run)


@router.get("/review-cycles/{cycle_id}/theses", response_model=Paged[ThesisStatusPublic])
def list_review_theses(
    cycle_id: str,
    session: SessionDep,
    caller: AdminCaller,
    page: PageDep,
    state: Annotated[str | None, Query(max_length=20, description="filter by state")] = None,
) -> Paged[ThesisStatusPublic]:
    """Each thesis's state (assigned → in review → re-review → decided) and decision."""
    cycle = rs.load_cycle(session, cycle_id).cycle
    statuses = [
        s for s in thesis_statuses(cycle).values() if state is None or s.state.value == state
    ]
    shown = statuses[page.offset : page.offset + page.limit]
    return Paged[ThesisStatusPublic](
        data=[ThesisStatusPublic(**status_fields(cycle, s)) for s in shown], count=len(statuses)
    )


@router.get("/review-cycles/{cycle_id}/theses/{thesis_id}", response_model=ThesisDetailPublic)
def get_review_thesis(
    cycle_id: str, thesis_id: str, session: SessionDep, caller: AdminCaller
) -> ThesisDetailPublic:
    """One thesis: state, decision, every assignment (history) and every review revision."""
    cycle = rs.load_cycle(session, cycle_id).cycle
    statuses = thesis_statuses(cycle)
    if thesis_id not in statuses:
        raise not_found("thesis", thesis_id)
    ids = rs.assignment_ids(session, cycle_id)
    return ThesisDetailPublic(
        **status_fields(cycle, statuses[thesis_id]),
        assignments=[
            assignment_public(a, ids) for a in cycle.assignments if a.thesis_id == thesis_id
        ],
        reviews=[office_review_public(r) for r in cycle.reviews if r.thesis_id == thesis_id],
    )


# --- misconduct cases ----------------------------------------------------------------------


@router.post("/review-cycles/{cycle_id}/case-runs", response_model=list[CasePublic])
def open_misconduct_cases(
    cycle_id: str, request: Request, session: SessionDep, caller: AdminCaller
) -> list[CasePublic]:
    """Opens a case for each thesis the screening or a reviewer suspects (none twice)."""
    loaded, opened = rs.change_cycle(
        session, cycle_id, lambda loaded: open_cases(loaded.cycle, rs.today())
    )
    _audit(
        session,
        caller,
        request,
        "review.cases.open",
        cycle_id,
        {"opened": [c.thesis_id for c in opened]},
    )
    session.commit()
    return [case_public(loaded.cycle, c) for c in opened]


@router.get("/review-cycles/{cycle_id}/cases", response_model=Paged[CasePublic])
def list_misconduct_cases(
    cycle_id: str, session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[CasePublic]:
    """Cases with their evidence, events and the legal deadlines as of today."""
    cycle = rs.load_cycle(session, cycle_id).cycle
    cases = cycle.cases[page.offset : page.offset + page.limit]
    return Paged[CasePublic](data=[case_public(cycle, c) for c in cases], count=len(cycle.cases))


def _case(cycle: ReviewCycle, thesis_id: str) -> MisconductCase:
    for case in cycle.cases:
        if case.thesis_id == thesis_id:
            return case
    raise not_found("misconduct case", thesis_id)


@router.get("/review-cycles/{cycle_id}/cases/{thesis_id}", response_model=CasePublic)
def get_misconduct_case(
    cycle_id: str, thesis_id: str, session: SessionDep, caller: AdminCaller
) -> CasePublic:
    cycle = rs.load_cycle(session, cycle_id).cycle
    return case_public(cycle, _case(cycle, thesis_id))


@router.post(
    "/review-cycles/{cycle_id}/cases/{thesis_id}/events",
    response_model=CasePublic,
    status_code=201,
)
def record_case_event(
    cycle_id: str,
    thesis_id: str,
    body: CaseEventCreate,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> CasePublic:
    """Records a step of the institution's procedure; 409 when the law's order forbids it."""

    def add(loaded: rs.LoadedCycle) -> tuple[ReviewCycle, MisconductCase]:
        case = _case(loaded.cycle, thesis_id)
        try:
            case = record_event(case, CaseEvent(body.kind, body.on, body.outcome, body.note))
        except CaseError as exc:
            raise ApiProblem(409, "procedure-violation", "Not allowed now", str(exc)) from exc
        return replace_case(loaded.cycle, case), case

    loaded, case = rs.change_cycle(session, cycle_id, add)
    _audit(
        session,
        caller,
        request,
        "review.case.event",
        cycle_id,
        {"thesis_id": thesis_id, "kind": body.kind.value, "on": body.on.isoformat()},
    )
    session.commit()
    return case_public(loaded.cycle, case)


# --- results ------------------------------------------------------------------------------


@router.put(
    "/review-cycles/{cycle_id}/prior-results",
    response_model=ImportSummary,
    openapi_extra=TABLE_BODY,
    responses={413: {"description": "too large"}, 422: {"description": "invalid file"}},
)
async def upload_prior_results(
    cycle_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> ImportSummary:
    """Problem-thesis counts of earlier years (year, institution, problems) for the
    consecutive-years list; validated, then kept with the cycle."""
    data = await read_body_limited(request, MAX_TABLE_BYTES)
    label = label_from_request(request, "prior-results.csv")

    def run() -> ImportSummary:
        record = rs.load_cycle(session, cycle_id).record
        try:
            with rs.uploaded_table(data, label) as path:
                counts = read_prior_results(path)
        except (ValidationError, TableError) as exc:
            raise rs.table_problem(exc, label, "Invalid prior results") from exc
        stored = service.blobs.put_bytes(data)
        record.prior_results_blob = stored.sha256
        record.prior_results_name = label
        _audit(
            session,
            caller,
            request,
            "review.prior_results.upload",
            cycle_id,
            {"label": label, "sha256": stored.sha256, "rows": len(counts)},
        )
        session.commit()
        return ImportSummary(imported=len(counts), label=label)

    return await run_in_threadpool(run)


IdentityQuery = Annotated[
    str | None,
    Query(
        pattern="^(none|id|full)$",
        description="thesis identities to publish (default: the cycle's setting)",
    ),
]


def _results(service: Service, session: Session, cycle_id: str, identity: str | None) -> Results:
    loaded = rs.load_cycle(session, cycle_id)
    record = loaded.record
    prior: dict[tuple[int, str], int] = {}
    if record.prior_results_blob:
        data = service.blobs.read_bytes(record.prior_results_blob)
        with rs.uploaded_table(data, record.prior_results_name or "prior.csv") as path:
            prior = read_prior_results(path)
    return compute_results(loaded.cycle, record.year, prior, identity or record.identity)


def results_public(results: Results) -> ResultsPublic:
    return ResultsPublic(
        year=results.year,
        identity=results.identity,
        groups=[
            GroupResultPublic(
                group_by=g.group_by,
                group=g.group,
                label=g.label,
                sampled=g.sampled,
                reviewed=g.reviewed,
                problems=g.problems,
                pending=g.pending,
                grades={grade.value: count for grade, count in g.grades.items()},
                rate=None
                if g.rate is None
                else RatePublic(
                    estimate=g.rate.estimate,
                    ci_low=g.rate.ci_low,
                    ci_high=g.rate.ci_high,
                    method=g.rate.method,
                ),
            )
            for g in results.groups
        ],
        problem_theses=[
            ProblemThesisPublic(
                institution=p.institution,
                discipline_code=p.discipline_code,
                degree_level=p.degree_level,
                degree_type=p.degree_type,
                thesis_id=p.thesis_id,
                title=p.title,
                author=p.author,
            )
            for p in results.problem_theses
        ],
        consecutive=[
            ConsecutivePublic(
                institution=c.institution,
                years=list(c.years),
                problems_this_year=c.problems_this_year,
                problems_last_year=c.problems_last_year,
            )
            for c in results.consecutive
        ],
        notes=list(results.notes),
    )


@router.get("/review-cycles/{cycle_id}/results", response_model=ResultsPublic)
def get_review_results(
    cycle_id: str,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
    identity: IdentityQuery = None,
) -> ResultsPublic:
    """Per institution, discipline, level and type: counts, grades, rate with 95% interval."""
    return results_public(_results(service, session, cycle_id, identity))


def _export(results: Results, prior_given: bool, fmt: str, name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="spotcheck-results-") as folder:
        out = Path(folder) / "out"
        write_results(results, out, formats=[fmt], prior_given=prior_given)
        return (out / name).read_bytes()


def _export_response(
    service: Service,
    session: Session,
    cycle_id: str,
    identity: str | None,
    fmt: str,
    name: str,
    media_type: str,
    request: Request,
    caller: Any,
) -> Response:
    results = _results(service, session, cycle_id, identity)
    prior_given = rs.load_cycle(session, cycle_id).record.prior_results_blob is not None
    data = _export(results, prior_given, fmt, name)
    _audit(session, caller, request, "review.results.export", cycle_id, {"format": fmt})
    session.commit()
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "html":
        headers = {}
    return Response(data, media_type=media_type, headers=headers)


def _binary(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {"schema": {"type": "string"}}}}}


@router.get(
    "/review-cycles/{cycle_id}/results.csv",
    response_class=Response,
    responses=_binary("text/csv"),
)
def export_review_results_csv(
    cycle_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
    identity: IdentityQuery = None,
) -> Response:
    """All groups as CSV (UTF-8 with BOM, Chinese and English headers)."""
    return _export_response(
        service, session, cycle_id, identity, "csv", "results.csv", "text/csv", request, caller
    )


@router.get(
    "/review-cycles/{cycle_id}/results.xlsx",
    response_class=Response,
    responses=_binary(XLSX),
)
def export_review_results_xlsx(
    cycle_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
    identity: IdentityQuery = None,
) -> Response:
    return _export_response(
        service, session, cycle_id, identity, "xlsx", "results.xlsx", XLSX, request, caller
    )


@router.get(
    "/review-cycles/{cycle_id}/results.html",
    response_class=HTMLResponse,
    responses=_binary("text/html"),
)
def export_review_results_html(
    cycle_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
    identity: IdentityQuery = None,
) -> Response:
    """A self-contained HTML summary fit for publication (no reviewer identities)."""
    return _export_response(
        service,
        session,
        cycle_id,
        identity,
        "html",
        "results.html",
        "text/html; charset=utf-8",
        request,
        caller,
    )


# --- reviewers ----------------------------------------------------------------------------


@reviewer_router.get("/assignments", response_model=Paged[MyAssignmentPublic])
def list_my_review_assignments(
    service: ServiceDep, session: SessionDep, caller: CallerDep, page: PageDep
) -> Paged[MyAssignmentPublic]:
    """The calling expert's own assignments (blind: no author, supervisor or institution)."""
    identity = rs.identity_for_key(session, caller)
    items = rs.reviewer_assignments(service.settings, session, identity)
    return Paged[MyAssignmentPublic](
        data=[my_assignment_public(i) for i in items[page.offset : page.offset + page.limit]],
        count=len(items),
    )


@reviewer_router.get("/assignments/{assignment_id}", response_model=MyAssignmentPublic)
def get_my_review_assignment(
    assignment_id: str, service: ServiceDep, session: SessionDep, caller: CallerDep
) -> MyAssignmentPublic:
    identity = rs.identity_for_key(session, caller)
    return my_assignment_public(
        rs.reviewer_assignment(service.settings, session, identity, assignment_id)
    )


@reviewer_router.get(
    "/assignments/{assignment_id}/report",
    response_class=HTMLResponse,
    responses=_binary("text/html"),
)
async def get_my_blind_report(
    assignment_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: CallerDep,
) -> HTMLResponse:
    """The blind flag report of an assigned thesis (names masked, institution as a number)."""

    def render() -> str:
        identity = rs.identity_for_key(session, caller)
        item = rs.reviewer_assignment(service.settings, session, identity, assignment_id)
        html = rs.blind_report(service, session, item)
        audit.record(
            session,
            caller,
            "review.report.view",
            "review_assignment",
            assignment_id,
            {"cycle_id": identity.cycle_id, "expert_id": identity.expert_id, "blind": True},
            client_address(request),
        )
        session.commit()
        return html

    html = await run_in_threadpool(render)
    return HTMLResponse(html, headers={"Cache-Control": "private, no-store"})


def review_input(body: ReviewSubmit) -> rs.ReviewInput:
    return rs.ReviewInput(
        overall=body.overall,
        dimensions={key: (d.grade, d.comment) for key, d in body.dimensions.items()},
        comment=body.comment,
        misconduct=body.misconduct_opinion,
        misconduct_comment=body.misconduct_comment,
    )


@reviewer_router.put(
    "/assignments/{assignment_id}/review",
    response_model=MyAssignmentPublic,
    responses={409: {"description": "deadline passed, thesis decided or assignment ended"}},
)
def submit_my_review(
    assignment_id: str,
    body: ReviewSubmit,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: CallerDep,
) -> MyAssignmentPublic:
    """Submits the review, or revises it (a new revision) until the due date."""
    identity = rs.identity_for_key(session, caller)
    rs.submit_review(
        service.settings,
        session,
        identity,
        assignment_id,
        review_input(body),
        caller,
        client_address(request),
    )
    return my_assignment_public(
        rs.reviewer_assignment(service.settings, session, identity, assignment_id)
    )
