"""Offline review forms and thesis states."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool

from api import review_service as rs
from api.deps import AdminCaller, PageDep, SessionDep
from api.problems import not_found
from api.routes.review.common import (
    MAX_TABLE_BYTES,
    _audit,
    assignment_public,
    office_review_public,
    router,
    staffing_public,
    status_fields,
)
from api.schemas.common import Paged
from api.schemas.review import (
    ReviewImportSummary,
    ThesisDetailPublic,
    ThesisStatusPublic,
)
from api.uploads import TABLE_BODY, label_from_request, read_body_limited
from review import workflows
from review.cycle import (
    ReviewCycle,
    thesis_statuses,
)
from review.reviews import parse_review_rows
from review.tables import TableError, ValidationError

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
            on = rs.clock.today()
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
