"""Assignment runs, declines and time-outs (each replaced at once)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Query, Request

from api import review_service as rs
from api.deps import AdminCaller, PageDep, ServiceDep, SessionDep
from api.routes.review.common import (
    _audit,
    assignment_public,
    router,
    staffing_public,
)
from api.schemas.common import Paged
from api.schemas.review import (
    AssignmentEnd,
    ReviewAssignmentPublic,
    StaffingPublic,
    TimeoutRun,
)
from review import workflows
from review.assign import AssignmentStatus, StaffingResult
from review.cycle import (
    ReviewCycle,
    time_out_overdue,
)

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
        run = workflows.run_assignment(
            replace(loaded.cycle, theses=tuple(theses)), rs.clock.today()
        )
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
            lambda loaded: workflows.end_assignments(loaded.cycle, ended, rs.clock.today()),
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
    on = body.today or rs.clock.today()
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
