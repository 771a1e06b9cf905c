"""What reviewer keys see and do: their assignments, the blind report, their review."""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api import audit
from api import review_service as rs
from api.deps import CallerDep, PageDep, ServiceDep, SessionDep, client_address
from api.routes.review.common import (
    _binary,
    my_assignment_public,
    reviewer_router,
)
from api.schemas.common import Paged
from api.schemas.review import (
    MyAssignmentPublic,
    ReviewSubmit,
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
