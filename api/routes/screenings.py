"""Screenings: request (one thesis or a draw's sample), poll, result JSON, HTML report."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import audit
from api.access import get_screening, get_submission, visible_screenings
from api.deps import (
    AdminCaller,
    CallerDep,
    PageDep,
    ServiceDep,
    SessionDep,
    SubmitterCaller,
    client_address,
)
from api.jobs import queue as q
from api.keys import Principal
from api.problems import ApiProblem, not_found
from api.schemas.common import Accepted, Paged
from api.schemas.screenings import (
    AssignmentCreate,
    AssignmentPublic,
    BatchPublic,
    ScreeningError,
    ScreeningPublic,
    ScreeningRequest,
    State,
)
from api.screening_reads import (
    etag_matches,
    screening_result_row,
    screening_status_row,
)
from api.service import Service
from api.storage.models import (
    ApiKey,
    Draw,
    ReportAssignment,
    Screening,
    ScreeningBatch,
    Submission,
)
from api.stored_results import parse_stored_result
from corpora.blind import anonymise_batch_sources, names_from_metadata
from screening.result import ScreeningResult

router = APIRouter(prefix="/v1", tags=["screenings"])

HTML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}}
}
ACCEPTED_HEADERS = {
    "Location": {"description": "URL to poll", "schema": {"type": "string"}},
    "Retry-After": {"description": "seconds before polling", "schema": {"type": "integer"}},
}


def screening_public(screening: Screening, thesis_id: str) -> ScreeningPublic:
    error = (
        ScreeningError(code=screening.error_code, detail=screening.error_detail or "")  # type: ignore[arg-type]
        if screening.error_code
        else None
    )
    base = f"/v1/screenings/{screening.id}"
    links = {"self": base}
    if screening.result_blob:
        links |= {"result": f"{base}/result", "report": f"{base}/report"}
    return ScreeningPublic(
        id=screening.id,
        submission_id=screening.submission_id,
        batch_id=screening.batch_id,
        thesis_id=thesis_id,
        institution=screening.institution,
        state=screening.state,  # type: ignore[arg-type]
        progress=screening.progress,
        stage=screening.stage,
        error=error,
        flag_level=screening.flag_level,
        total_copy_ratio=screening.total_copy_ratio,
        settings=screening.settings,
        created_at=screening.created_at,
        started_at=screening.started_at,
        finished_at=screening.finished_at,
        links=links,
    )


def _accepted(service: Service, location: str, resource_id: str) -> JSONResponse:
    body = Accepted(id=resource_id, state="queued", location=location)
    return JSONResponse(
        body.model_dump(),
        status_code=202,
        headers={"Location": location, "Retry-After": str(service.settings.retry_after_seconds)},
    )


def _check_corpus(session: Session, request_body: ScreeningRequest) -> None:
    from api.storage.models import CorpusRecord

    if request_body.corpus_id and session.get(CorpusRecord, request_body.corpus_id) is None:
        raise not_found("corpus", request_body.corpus_id)


@router.post(
    "/submissions/{submission_id}/screenings",
    status_code=202,
    response_model=Accepted,
    responses={202: {"headers": ACCEPTED_HEADERS}, 409: {"description": "no file uploaded"}},
)
def create_screening(
    submission_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: SubmitterCaller,
    body: ScreeningRequest | None = None,
) -> JSONResponse:
    """Queues the screening of one uploaded thesis; poll the `Location` it answers with."""
    body = body or ScreeningRequest()
    submission = get_submission(session, submission_id, caller)
    if submission.file_sha256 is None:
        raise ApiProblem(
            409,
            "file-missing",
            "File missing",
            f"upload the thesis first: PUT /v1/submissions/{submission_id}/file",
        )
    _check_corpus(session, body)
    screening = Screening(
        submission_id=submission.id,
        institution=submission.institution,
        settings=body.model_dump(),
        created_by=caller.key_id,
    )
    session.add(screening)
    session.flush()
    q.enqueue(
        session,
        "screening.run",
        {"screening_ids": [screening.id]},
        max_attempts=service.settings.job_max_attempts,
    )
    audit.record(
        session,
        caller,
        "screening.create",
        "screening",
        screening.id,
        {"submission_id": submission.id},
        client_address(request),
    )
    session.commit()
    return _accepted(service, f"/v1/screenings/{screening.id}", screening.id)


def _reject_reviewer(caller: Principal) -> None:
    if caller.role == "reviewer":
        raise ApiProblem(
            403, "forbidden", "Forbidden", "reviewers read assigned reports only (blind)"
        )


@router.get("/screenings", response_model=Paged[ScreeningPublic])
def list_screenings(
    session: SessionDep,
    caller: SubmitterCaller,
    page: PageDep,
    state: State | None = None,
    submission_id: Annotated[str | None, Query(max_length=32)] = None,
    batch_id: Annotated[str | None, Query(max_length=32)] = None,
) -> Paged[ScreeningPublic]:
    query = visible_screenings(select(Screening, Submission.thesis_id), caller).join(
        Submission, Submission.id == Screening.submission_id
    )
    if state:
        query = query.where(Screening.state == state)
    if submission_id:
        query = query.where(Screening.submission_id == submission_id)
    if batch_id:
        query = query.where(Screening.batch_id == batch_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Screening.created_at.desc(), Screening.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return Paged[ScreeningPublic](
        data=[screening_public(s, thesis_id) for s, thesis_id in rows], count=count
    )


@router.get("/screenings/{screening_id}", response_model=ScreeningPublic)
async def get_screening_status(
    screening_id: str, service: ServiceDep, caller: CallerDep
) -> Response:
    """State (queued/running/complete/error), progress, error code, and links when done."""
    _reject_reviewer(caller)
    row = await screening_status_row(service, screening_id, caller)
    body = screening_public(row, row.thesis_id or "")  # type: ignore[arg-type]
    headers = {}
    if row.state in ("queued", "running"):
        headers["Retry-After"] = str(service.settings.retry_after_seconds)
    return Response(body.model_dump_json().encode(), media_type="application/json", headers=headers)


def _result(service: Service, screening: Screening) -> ScreeningResult:
    return parse_stored_result(_result_bytes(service, screening), screening.id)


def _not_ready(service: Service, screening_id: str, state: str) -> ApiProblem:
    return ApiProblem(
        409,
        "not-ready",
        "Result not ready",
        f"the screening is {state}; poll /v1/screenings/{screening_id}",
        headers={"Retry-After": str(service.settings.retry_after_seconds)},
    )


def _result_bytes(service: Service, screening: Screening) -> bytes:
    if screening.result_blob is None:
        raise _not_ready(service, screening.id, screening.state)
    return service.results.read(screening.result_blob)


RESULT_CACHE_CONTROL = "private, no-cache"


@router.get(
    "/screenings/{screening_id}/result",
    response_model=dict[str, Any],
    responses={
        200: {
            "headers": {
                "ETag": {"description": "the result's sha256", "schema": {"type": "string"}}
            }
        },
        304: {"description": "unchanged since the `If-None-Match` ETag"},
        409: {"description": "not ready yet"},
    },
)
async def get_screening_result(
    screening_id: str,
    service: ServiceDep,
    caller: CallerDep,
    if_none_match: Annotated[
        str | None,
        Header(max_length=1000, description="an ETag from an earlier fetch: 304 if unchanged"),
    ] = None,
) -> Response:
    """The result JSON (docs/result-schema.md), served as stored, with its sha256 as ETag."""
    _reject_reviewer(caller)
    row = await screening_result_row(service, screening_id, caller)
    if row.result_blob is None:
        raise _not_ready(service, row.id, row.state)
    headers = {"ETag": f'"{row.result_blob}"', "Cache-Control": RESULT_CACHE_CONTROL}
    if caller.role == "admin" and etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    data = service.results.get(row.result_blob)
    if data is None:
        data = await run_in_threadpool(service.results.read, row.result_blob)
    if caller.role != "admin" and _BATCH_SOURCE in data:
        # Other theses of the same batch are anonymous for everyone but the office.
        shown = anonymise_batch_sources(parse_stored_result(data, row.id))
        data = json.dumps(shown.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
        headers["ETag"] = f'"{hashlib.sha256(data).hexdigest()}"'
    if etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


# How a stored result (written with indent=1) marks a source from the same batch.
_BATCH_SOURCE = b'"origin": "batch"'


def _names(session: Session, screening: Screening) -> list[str]:
    submission = session.get(Submission, screening.submission_id)
    return names_from_metadata(submission.metadata_ or {}) if submission is not None else []


@router.get(
    "/screenings/{screening_id}/report",
    response_class=HTMLResponse,
    responses=HTML_RESPONSE | {409: {"description": "not ready yet"}},
)
async def get_screening_report(
    screening_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: CallerDep,
    blind: Annotated[
        bool, Query(description="hide author, supervisor and institution (always for reviewers)")
    ] = False,
) -> HTMLResponse:
    """The self-contained HTML flag report; reviewers get the blind version only."""

    def render() -> str:
        from screening.report import render_thesis_report

        screening = get_screening(session, screening_id, caller)
        is_blind = blind or caller.role == "reviewer"
        result = _result(service, screening)
        if caller.role != "admin":
            result = anonymise_batch_sources(result)
        html = render_thesis_report(
            result,
            blind=is_blind,
            names=_names(session, screening),
            key=service.settings.blinding_key(),
        )
        audit.record(
            session,
            caller,
            "report.view",
            "screening",
            screening.id,
            {"blind": is_blind},
            client_address(request),
        )
        session.commit()
        return html

    html = await run_in_threadpool(render)
    return HTMLResponse(html, headers={"Cache-Control": "private, no-store"})


@router.post(
    "/screenings/{screening_id}/assignments", response_model=AssignmentPublic, status_code=201
)
def assign_report(
    screening_id: str,
    body: AssignmentCreate,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> AssignmentPublic:
    """Lets a reviewer key read this screening's report (blind)."""
    screening = get_screening(session, screening_id, caller)
    reviewer = session.get(ApiKey, body.reviewer_key_id)
    if reviewer is None or reviewer.role != "reviewer" or reviewer.revoked_at is not None:
        raise ApiProblem(
            422,
            "not-a-reviewer",
            "Not a reviewer",
            "reviewer_key_id must be an active reviewer key",
        )
    existing = session.scalar(
        select(ReportAssignment).where(
            ReportAssignment.screening_id == screening.id,
            ReportAssignment.reviewer_key_id == reviewer.id,
        )
    )
    if existing is not None:
        return AssignmentPublic.model_validate(existing)
    assignment = ReportAssignment(screening_id=screening.id, reviewer_key_id=reviewer.id)
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        caller,
        "report.assign",
        "screening",
        screening.id,
        {"reviewer_key_id": reviewer.id},
        client_address(request),
    )
    session.commit()
    return AssignmentPublic.model_validate(assignment)


@router.get("/assignments", response_model=Paged[AssignmentPublic])
def list_assignments(
    session: SessionDep, caller: CallerDep, page: PageDep
) -> Paged[AssignmentPublic]:
    """Reports assigned for review (a reviewer sees only its own)."""
    if caller.role == "system":
        raise ApiProblem(403, "forbidden", "Forbidden", "only admins and reviewers")
    query = select(ReportAssignment)
    if caller.role == "reviewer":
        query = query.where(ReportAssignment.reviewer_key_id == caller.key_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ReportAssignment.id).limit(page.limit).offset(page.offset)
    )
    return Paged[AssignmentPublic](
        data=[AssignmentPublic.model_validate(r) for r in rows], count=count
    )


def sampled_submissions(
    service: Service, session: Session, draw: Draw
) -> tuple[list[Submission], list[str]]:
    """The latest uploaded submission of every sampled thesis (same institution), and the rest."""
    data = service.blobs.read_bytes(draw.files["sample.csv"]).decode("utf-8-sig")
    wanted = {row["thesis_id"]: row["institution"] for row in csv.DictReader(io.StringIO(data))}
    found: dict[str, Submission] = {}
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for submission in session.scalars(
            select(Submission)
            .where(Submission.thesis_id.in_(chunk), Submission.file_sha256.is_not(None))
            .order_by(Submission.uploaded_at)
        ):
            if wanted.get(submission.thesis_id) == submission.institution:
                found[submission.thesis_id] = submission
    missing = sorted(set(ids) - set(found))
    return [found[t] for t in sorted(found)], missing


@router.post(
    "/draws/{draw_id}/screenings",
    status_code=202,
    response_model=Accepted,
    responses={202: {"headers": ACCEPTED_HEADERS}, 409: {"description": "nothing uploaded"}},
)
def create_batch_screening(
    draw_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
    body: ScreeningRequest | None = None,
) -> JSONResponse:
    """Screens every sampled thesis that has an uploaded file, together (batch comparison)."""
    body = body or ScreeningRequest()
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise not_found("draw", draw_id)
    _check_corpus(session, body)
    submissions, missing = sampled_submissions(service, session, draw)
    if not submissions:
        raise ApiProblem(
            409,
            "nothing-to-screen",
            "Nothing to screen",
            f"none of the {len(missing)} sampled theses has an uploaded file yet",
        )
    batch = ScreeningBatch(
        draw_id=draw.id, settings=body.model_dump(), missing=missing, created_by=caller.key_id
    )
    session.add(batch)
    session.flush()
    ids = []
    for submission in submissions:
        screening = Screening(
            submission_id=submission.id,
            batch_id=batch.id,
            institution=submission.institution,
            settings=body.model_dump(),
            created_by=caller.key_id,
        )
        session.add(screening)
        session.flush()
        ids.append(screening.id)
    q.enqueue(
        session,
        "screening.run",
        {"screening_ids": ids, "batch_id": batch.id},
        max_attempts=service.settings.job_max_attempts,
    )
    audit.record(
        session,
        caller,
        "batch.create",
        "screening_batch",
        batch.id,
        {"draw_id": draw.id, "screenings": len(ids), "missing": len(missing)},
        client_address(request),
    )
    session.commit()
    return _accepted(service, f"/v1/screening-batches/{batch.id}", batch.id)


def batch_public(session: Session, batch: ScreeningBatch) -> BatchPublic:
    rows = session.execute(
        select(Screening.state, Screening.flag_level, Screening.progress).where(
            Screening.batch_id == batch.id
        )
    ).all()
    by_state = Counter(state for state, _, _ in rows)
    by_flag = Counter(flag for _, flag, _ in rows if flag)
    progress = sum(p for _, _, p in rows) / len(rows) if rows else 1.0
    base = f"/v1/screening-batches/{batch.id}"
    links = {"self": base, "screenings": f"/v1/screenings?batch_id={batch.id}"}
    if batch.summary_html_blob:
        links |= {
            "summary": f"{base}/summary",
            "summary_csv": f"{base}/summary.csv",
            "summary_xlsx": f"{base}/summary.xlsx",
        }
    error = (
        ScreeningError(code=batch.error_code, detail=batch.error_detail or "")  # type: ignore[arg-type]
        if batch.error_code
        else None
    )
    return BatchPublic(
        id=batch.id,
        draw_id=batch.draw_id,
        state=batch.state,  # type: ignore[arg-type]
        progress=round(min(1.0, progress), 3),
        screenings=len(rows),
        by_state=dict(by_state),
        by_flag=dict(by_flag),
        missing=batch.missing,
        error=error,
        created_at=batch.created_at,
        finished_at=batch.finished_at,
        links=links,
    )


def _get_batch(session: Session, batch_id: str) -> ScreeningBatch:
    batch = session.get(ScreeningBatch, batch_id)
    if batch is None:
        raise not_found("screening batch", batch_id)
    return batch


@router.get("/screening-batches", response_model=Paged[BatchPublic])
def list_screening_batches(
    session: SessionDep, caller: AdminCaller, page: PageDep
) -> Paged[BatchPublic]:
    count = session.scalar(select(func.count(ScreeningBatch.id))) or 0
    rows = session.scalars(
        select(ScreeningBatch)
        .order_by(ScreeningBatch.created_at.desc(), ScreeningBatch.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return Paged[BatchPublic](data=[batch_public(session, b) for b in rows], count=count)


@router.get("/screening-batches/{batch_id}", response_model=BatchPublic)
def get_screening_batch(
    batch_id: str, response: Response, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> BatchPublic:
    batch = _get_batch(session, batch_id)
    if batch.state in ("queued", "running"):
        response.headers["Retry-After"] = str(service.settings.retry_after_seconds)
    return batch_public(session, batch)


def _summary_file(service: Service, batch: ScreeningBatch, sha: str | None) -> bytes:
    if sha is None:
        raise ApiProblem(
            409,
            "not-ready",
            "Summary not ready",
            f"the batch is {batch.state}",
            headers={"Retry-After": str(service.settings.retry_after_seconds)},
        )
    return service.blobs.read_bytes(sha)


@router.get(
    "/screening-batches/{batch_id}/summary",
    response_class=HTMLResponse,
    responses=HTML_RESPONSE | {409: {"description": "not ready yet"}},
)
def get_batch_summary(
    batch_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> HTMLResponse:
    """The batch overview (HTML), sorted by flag level, with links to each thesis report."""
    batch = _get_batch(session, batch_id)
    return HTMLResponse(_summary_file(service, batch, batch.summary_html_blob))


@router.get(
    "/screening-batches/{batch_id}/summary.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_batch_summary_csv(
    batch_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> Response:
    batch = _get_batch(session, batch_id)
    return Response(
        _summary_file(service, batch, batch.summary_blob), media_type="text/csv; charset=utf-8"
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/screening-batches/{batch_id}/summary.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_batch_summary_xlsx(
    batch_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> Response:
    batch = _get_batch(session, batch_id)
    return Response(_summary_file(service, batch, batch.summary_xlsx_blob), media_type=XLSX)
