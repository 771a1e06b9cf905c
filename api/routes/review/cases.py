"""Misconduct cases and their procedural steps."""

from __future__ import annotations

from fastapi import Request

from api import review_service as rs
from api.deps import AdminCaller, PageDep, SessionDep
from api.problems import ApiProblem, not_found
from api.routes.review.common import (
    _audit,
    case_public,
    router,
)
from api.schemas.common import Paged
from api.schemas.review import (
    CaseEventCreate,
    CasePublic,
)
from review.cycle import (
    ReviewCycle,
    open_cases,
    replace_case,
)
from review.misconduct import (
    CaseError,
    CaseEvent,
    MisconductCase,
    record_event,
)

# --- misconduct cases ----------------------------------------------------------------------


@router.post("/review-cycles/{cycle_id}/case-runs", response_model=list[CasePublic])
def open_misconduct_cases(
    cycle_id: str, request: Request, session: SessionDep, caller: AdminCaller
) -> list[CasePublic]:
    """Opens a case for each thesis the screening or a reviewer suspects (none twice)."""
    loaded, opened = rs.change_cycle(
        session, cycle_id, lambda loaded: open_cases(loaded.cycle, rs.clock.today())
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
