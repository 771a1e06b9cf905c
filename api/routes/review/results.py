"""The year's results: JSON, CSV, XLSX and HTML exports, prior years."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api import review_service as rs
from api.deps import AdminCaller, ServiceDep, SessionDep
from api.routes.review.common import (
    MAX_TABLE_BYTES,
    XLSX,
    _audit,
    _binary,
    router,
)
from api.schemas.review import (
    ConsecutivePublic,
    GroupResultPublic,
    ImportSummary,
    ProblemThesisPublic,
    RatePublic,
    ResultsPublic,
)
from api.service import Service
from api.uploads import TABLE_BODY, label_from_request, read_body_limited
from review.publish import write_results
from review.results import Results, compute_results, read_prior_results
from review.tables import TableError, ValidationError

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
