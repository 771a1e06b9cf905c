"""Allegations (举报): public submission and status; the office's triage, import, matching
and follow-up. The rules are `review.allegations`; these routes only call them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from api import proof_of_work
from api import review_service as rs
from api.deps import AdminCaller, PageDep, ServiceDep, SessionDep, client_address
from api.follow_up_service import intake, screening_now, store, views
from api.keys import Principal
from api.problems import ApiProblem, not_found
from api.routes.follow_up.common import public_router, record, router
from api.schemas.common import Paged
from api.schemas.follow_up import (
    AllegationAction,
    AllegationCreate,
    AllegationImportResult,
    AllegationOffice,
    AllegationStatusPublic,
    ChallengePublic,
    MatchRun,
    RegisterMatchPublic,
    ScreeningNowRequest,
)
from api.storage.models import Frame, Job
from api.storage.review_models import ReviewThesisRecord
from api.uploads import TABLE_BODY, label_from_request, read_body_limited
from review.allegation_import import import_allegations, link_unique_matches
from review.allegations import (
    Allegation,
    AllegationError,
    AllegationState,
    FollowUp,
    accept,
    cases_with_allegation,
    choose_follow_up,
    close,
    link,
    merge,
    reject,
    unlink,
)
from review.follow_up_store import allegation_to_json
from review.tables import TableError, ValidationError
from sampler.frame import FrameError, load_frame_bytes

MAX_IMPORT_BYTES = 20 * 1024 * 1024
ALLEGATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": AllegationCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **{name: {"type": "string"} for name in AllegationCreate.model_fields},
                        "attachment": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                    "required": ["title", "institution", "year", "kind", "challenge", "counter"],
                }
            },
        },
    }
}


# --- public ----------------------------------------------------------------------------------


@public_router.get("/allegation-challenges", response_model=ChallengePublic)
def get_allegation_challenge(request: Request, service: ServiceDep) -> ChallengePublic:
    """A fresh proof-of-work challenge for one allegation (no key needed)."""
    intake.check_rate(request, service, lookup=True)
    settings = service.settings
    challenge = proof_of_work.issue(
        settings.secret_key, settings.allegation_pow_bits, settings.allegation_challenge_seconds
    )
    return ChallengePublic(
        challenge=challenge.token,
        difficulty_bits=challenge.bits,
        expires_at=challenge.expires_at,
    )


@public_router.post(
    "/allegations",
    response_model=AllegationStatusPublic,
    status_code=201,
    openapi_extra=ALLEGATION_BODY,
    responses={
        403: {"description": "proof of work refused"},
        413: {"description": "too large"},
        415: {"description": "attachment type"},
        422: {"description": "invalid fields"},
        429: {"description": "rate limited"},
    },
)
async def submit_allegation(
    request: Request, response: Response, service: ServiceDep, session: SessionDep
) -> AllegationStatusPublic:
    """Anyone reports suspected thesis fraud (the only unauthenticated write). Needs a solved
    challenge from `GET /v1/allegation-challenges`; answers the tracking code (查询码) — the
    only way to follow the allegation, shown once."""
    intake.check_rate(request, service)
    form = await intake.read_form(request, service)

    def work() -> AllegationStatusPublic:
        allegation = intake.receive_public(
            session, service, form, rs.clock.today(), client_address(request), "api"
        )
        session.commit()
        return views.status_public(allegation)

    status = await run_in_threadpool(work)
    response.headers["Cache-Control"] = "no-store"
    return status


@public_router.get("/allegations/{tracking_code}", response_model=AllegationStatusPublic)
def get_allegation_status(
    tracking_code: str,
    request: Request,
    response: Response,
    service: ServiceDep,
    session: SessionDep,
) -> AllegationStatusPublic:
    """What the reporter sees: state, dates, a rejection reason, the follow-up chosen."""
    intake.check_rate(request, service, lookup=True)
    response.headers["Cache-Control"] = "no-store"
    return views.status_public(store.find_allegation(session, tracking_code).allegation)


# --- office ----------------------------------------------------------------------------------


@router.get("/allegations", response_model=Paged[AllegationOffice])
def list_allegations(
    session: SessionDep,
    caller: AdminCaller,
    page: PageDep,
    state: Annotated[AllegationState | None, Query()] = None,
    institution: Annotated[str | None, Query(max_length=200)] = None,
    overdue: Annotated[
        bool | None, Query(description="only those past the answer deadline")
    ] = None,
    matched: Annotated[bool | None, Query(description="linked to a register thesis or not")] = None,
) -> Paged[AllegationOffice]:
    """Every allegation with its answer deadline (triage, follow-up) and reporter."""
    today = rs.clock.today()
    deadlines = views.policy().allegation_deadlines
    shown = []
    screenings = screening_now.screenings_by_code(session)
    for stored in store.all_allegations(session):
        code = stored.allegation.code
        body = views.allegation_office(
            stored.allegation, deadlines, today, screenings.get(code, [])
        )
        if state is not None and body.state != state.value:
            continue
        if institution is not None and body.institution != institution:
            continue
        if overdue is not None and body.overdue != overdue:
            continue
        if matched is not None and body.matched != matched:
            continue
        shown.append(body)
    return Paged[AllegationOffice](
        data=shown[page.offset : page.offset + page.limit], count=len(shown)
    )


@router.get("/allegations/{tracking_code}/record", response_model=AllegationOffice)
def get_allegation_record(
    tracking_code: str, session: SessionDep, caller: AdminCaller
) -> AllegationOffice:
    """One allegation in full, with every step (date, actor, note): its audit trail."""
    allegation = store.find_allegation(session, tracking_code).allegation
    return views.allegation_office(
        allegation,
        views.policy().allegation_deadlines,
        rs.clock.today(),
        screening_now.screenings_of(session, allegation.code),
    )


@router.get(
    "/allegations/{tracking_code}/attachments/{index}",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_allegation_attachment(
    tracking_code: str,
    index: int,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> Response:
    """An attachment the reporter uploaded, as a download (never rendered inline)."""
    stored = store.find_allegation(session, tracking_code)
    attachments = stored.allegation.report.attachments
    parsed = (
        intake.parse_attachment_reference(attachments[index])
        if 0 <= index < len(attachments)
        else None
    )
    if parsed is None:
        raise not_found("stored attachment", str(index))
    sha256, label = parsed
    record(
        session,
        caller,
        request,
        "allegation.attachment.read",
        "allegation",
        stored.record.id,
        {"index": index},
    )
    session.commit()
    return Response(
        service.blobs.read_bytes(sha256),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(label)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _cycle_of_thesis(session: Any, thesis_id: str, cycle_id: str | None) -> str:
    """The review cycle whose case procedure a misconduct case opens in."""
    if cycle_id:
        rs.load_cycle(session, cycle_id, thesis_ids=[])
        return cycle_id
    found = list(
        session.scalars(
            select(ReviewThesisRecord.cycle_id).where(ReviewThesisRecord.thesis_id == thesis_id)
        )
    )
    if len(found) == 1:
        return str(found[0])
    raise ApiProblem(
        422,
        "cycle-required",
        "Review cycle required",
        f"thesis {thesis_id} is in {len(found)} review cycles; give `cycle_id`, the cycle "
        "whose misconduct-case procedure the case opens in",
    )


def _apply(
    allegation: Allegation, body: AllegationAction, other: Allegation | None, on: date, actor: str
) -> Allegation:
    action = body.action
    if action == "accept":
        return accept(allegation, on, actor, body.note)
    if action == "reject":
        return reject(allegation, on, actor, body.reason)
    if action == "merge":
        assert other is not None
        return merge(allegation, other, on, actor, body.note)
    if action == "link":
        return link(allegation, body.thesis_id, on, actor)
    if action == "unlink":
        return unlink(allegation, on, actor, body.note)
    if action == "close":
        return close(allegation, on, actor, body.note)
    if body.follow_up is None:
        raise AllegationError(
            "give `follow_up`: screening_now, certainty_next_year or misconduct_case"
        )
    return choose_follow_up(allegation, body.follow_up, on, actor, body.note)


@router.post("/allegations/{tracking_code}/steps", response_model=AllegationOffice)
def record_allegation_step(
    tracking_code: str,
    body: AllegationAction,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> AllegationOffice:
    """Triage and handling: accept, reject with a reason, merge a duplicate, link to a
    register thesis, choose the follow-up, close. `409` when the procedure forbids the step;
    a `misconduct_case` follow-up opens the case in the review cycle in the same transaction."""
    today = body.on or rs.clock.today()
    stored = store.find_allegation(session, tracking_code)
    other = store.find_allegation(session, body.into).allegation if body.action == "merge" else None
    actor = f"office:{caller.name}"
    try:
        updated = _apply(stored.allegation, body, other, today, actor)
    except AllegationError as exc:
        raise ApiProblem(409, "allegation-step-refused", "Not allowed now", str(exc)) from exc
    detail: dict[str, Any] = {"code": updated.code, "action": body.action, "on": today.isoformat()}
    if body.action == "follow_up" and updated.follow_up is FollowUp.MISCONDUCT_CASE:
        cycle_id = _cycle_of_thesis(session, updated.thesis_id, body.cycle_id)
        rs.change_cycle(
            session,
            cycle_id,
            lambda loaded: (
                replace(
                    loaded.cycle, cases=cases_with_allegation(loaded.cycle.cases, updated, today)
                ),
                None,
            ),
        )
        detail["cycle_id"] = cycle_id
        record(session, caller, request, "review.case.open", "review_cycle", cycle_id,
               {"thesis_id": updated.thesis_id, "trigger": "allegation"})  # fmt: skip
    if body.action in ("follow_up",) and updated.follow_up is not None:
        detail["follow_up"] = updated.follow_up.value
    if body.action == "follow_up" and updated.follow_up is FollowUp.SCREENING_NOW:
        job = _queue_screening(session, updated, caller, body.screening)
        detail["screening_job"] = job.id
    if body.action in ("link",):
        detail["thesis_id"] = updated.thesis_id
    store.save_allegation(session, stored, updated)
    record(
        session,
        caller,
        request,
        f"allegation.{body.action}",
        "allegation",
        stored.record.id,
        detail,
    )
    session.commit()
    return views.allegation_office(
        updated,
        views.policy().allegation_deadlines,
        rs.clock.today(),
        screening_now.screenings_of(session, updated.code),
    )


def _queue_screening(
    session: Any, allegation: Allegation, caller: Principal, body: ScreeningNowRequest
) -> Job:
    return screening_now.queue_screening(
        session,
        allegation,
        caller,
        submission_id=body.submission_id,
        sources=body.sources,
        corpus_id=body.corpus_id,
    )


@router.post(
    "/allegations/{tracking_code}/screenings",
    response_model=AllegationOffice,
    status_code=202,
)
def screen_allegation_again(
    tracking_code: str,
    body: ScreeningNowRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    caller: AdminCaller,
) -> AllegationOffice:
    """Queues another 'screening now' of an allegation whose follow-up is screening now
    (another submission, other named sources or corpus, or after a failed run); `409`
    otherwise, `422` when the thesis file or a named attachment is missing."""
    stored = store.find_allegation(session, tracking_code)
    job = _queue_screening(session, stored.allegation, caller, body)
    record(session, caller, request, "allegation.screen", "allegation", stored.record.id,
           {"code": stored.allegation.code, "screening_job": job.id})  # fmt: skip
    session.commit()
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return views.allegation_office(
        stored.allegation,
        views.policy().allegation_deadlines,
        rs.clock.today(),
        screening_now.screenings_of(session, stored.allegation.code),
    )


@router.get(
    "/allegations/{tracking_code}/screenings/{job_id}/result",
    responses={200: {"content": {"application/json": {}}}},
)
def get_allegation_screening_result(
    tracking_code: str, job_id: str, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> Response:
    """The full screening result (CONTRACTS §6 shape) of a finished 'screening now'."""
    stored = store.find_allegation(session, tracking_code)
    blob = screening_now.result_blob(session, stored.allegation.code, job_id)
    if blob is None:
        raise not_found("finished screening of this allegation", job_id)
    return Response(service.blobs.read_bytes(blob), media_type="application/json")


@router.post(
    "/allegation-imports",
    response_model=AllegationImportResult,
    status_code=201,
    openapi_extra=TABLE_BODY,
    responses={413: {"description": "too large"}, 422: {"description": "invalid rows"}},
)
async def import_allegation_table(
    request: Request, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> AllegationImportResult:
    """Allegations received on paper or by mail (CSV/XLSX, Chinese or English headers): every
    bad row and column is listed and nothing is imported from a file with any problem."""
    data = await read_body_limited(request, MAX_IMPORT_BYTES)
    label = label_from_request(request, "allegations.csv")

    def run() -> AllegationImportResult:
        existing = tuple(s.allegation for s in store.all_allegations(session))
        try:
            with rs.uploaded_table(data, label) as path:
                created = import_allegations(
                    path, existing, rs.clock.today(), f"import:{caller.name}"
                )
        except (ValidationError, TableError) as exc:
            raise rs.table_problem(exc, label, "Invalid allegation table") from exc
        for allegation in created:
            store.add_allegation(session, allegation)
        stored = service.blobs.put_bytes(data)
        record(session, caller, request, "allegation.import", "allegation_import", stored.sha256,
               {"label": label, "rows": len(created)})  # fmt: skip
        session.commit()
        return AllegationImportResult(
            imported=len(created),
            unmatched=sum(1 for a in created if not a.thesis_id),
            tracking_codes=[a.code for a in created],
        )

    return await run_in_threadpool(run)


@router.post("/allegation-matches", response_model=list[RegisterMatchPublic])
def match_allegations(
    body: MatchRun, request: Request, service: ServiceDep, session: SessionDep, caller: AdminCaller
) -> list[RegisterMatchPublic]:
    """Links each open, unlinked allegation with exactly one candidate in a stored frame
    (register); the others are listed with their candidates, or kept as unmatched."""
    frame = session.get(Frame, body.frame_id)
    if frame is None:
        raise not_found("frame", body.frame_id)
    data = service.blobs.read_bytes(frame.sha256)
    try:
        register = load_frame_bytes(data, frame.name, max_bytes=max(len(data), 1))
    except FrameError as exc:
        raise ApiProblem(409, "frame-unreadable", "Frame unreadable", str(exc)) from exc
    stored = store.all_allegations(session)
    updated, matches = link_unique_matches(
        [s.allegation for s in stored], register, rs.clock.today(), f"office:{caller.name}"
    )
    for before, after in zip(stored, updated, strict=True):
        if after != before.allegation:
            store.save_allegation(session, before, after)
    record(session, caller, request, "allegation.match", "frame", frame.id,
           {"linked": [m.code for m in matches if m.unique]})  # fmt: skip
    session.commit()
    return [
        RegisterMatchPublic(tracking_code=m.code, linked=m.unique, candidates=list(m.candidates))
        for m in matches
    ]


@router.get(
    "/allegation-exports/allegations.json",
    responses={200: {"content": {"application/json": {}}}},
)
def export_allegations(request: Request, session: SessionDep, caller: AdminCaller) -> Response:
    """Every allegation as a review workspace's `allegations.json` (the same records, one per
    line): saved into the year's workspace, the allegations recorded in the service reach
    `spotcheck plan next` (certainty units) and `spotcheck history`."""
    stored = store.all_allegations(session)
    lines = [
        json.dumps(allegation_to_json(s.allegation), ensure_ascii=False, sort_keys=True)
        for s in stored
    ]
    body = "[\n" + ",\n".join(lines) + ("\n]\n" if lines else "]\n")
    record(session, caller, request, "allegation.export", "allegation_export", "allegations.json",
           {"allegations": len(lines)})  # fmt: skip
    session.commit()
    return Response(
        body.encode(),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="allegations.json"'},
    )
