"""Rectification (整改) of a review cycle: the office opens items and sets due dates, the
institution uploads its plan and report, the office accepts or returns them, overdue items
escalate. The rules are `review.rectification`; these routes only call them."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api import review_service as rs
from api.deps import AdminCaller, CallerDep, ServiceDep, SessionDep, SubmitterCaller, client_address
from api.follow_up_service import store, views
from api.follow_up_service.rectification_steps import submit_document
from api.problems import ApiProblem
from api.routes.follow_up.common import record, router
from api.schemas.follow_up import RectificationDecision, RectificationItemPublic, RectificationOpen
from api.uploads import label_from_request, read_body_limited
from review.rectification import (
    ItemKind,
    RectificationError,
    RectificationItem,
    accept,
    escalate_overdue,
    open_items,
    return_item,
    set_due_date,
)

DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _refused(exc: RectificationError) -> ApiProblem:
    return ApiProblem(409, "rectification-step-refused", "Not allowed now", str(exc))


@router.post(
    "/review-cycles/{cycle_id}/rectification-items",
    response_model=list[RectificationItemPublic],
    status_code=201,
)
def open_rectification_items(
    cycle_id: str,
    body: RectificationOpen,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: AdminCaller,
) -> list[RectificationItemPublic]:
    """Opens a plan and a report item for each institution with problem theses (or those
    named), due on the dates given or after the policy's days."""
    today = rs.clock.today()
    year = views.cycle_year(service, session, cycle_id)
    institutions = body.institutions
    if institutions is None:
        institutions = [g.group for g in year.results.by("institution") if g.problems > 0]
    if not institutions:
        raise ApiProblem(
            409,
            "no-problem-institutions",
            "Nothing to open",
            "no institution has problem theses in this cycle; name the institutions",
        )
    policy = views.policy()
    plan_due = body.plan_due or today + timedelta(days=policy.rectification_plan_days)
    report_due = body.report_due or today + timedelta(days=policy.rectification_report_days)
    existing = {(i.institution, i.kind) for i in year.items}
    opened: list[RectificationItem] = []
    try:
        for institution in sorted(set(institutions)):
            if (institution, ItemKind.PLAN) in existing:
                raise RectificationError(f"{year.year}/{institution}: already open")
            opened += open_items(
                institution, year.year, plan_due, report_due, today, f"office:{caller.name}"
            )
    except RectificationError as exc:
        raise _refused(exc) from exc
    store.add_items(session, cycle_id, opened)
    record(session, caller, request, "rectification.open", "review_cycle", cycle_id,
           {"institutions": sorted(set(institutions)), "plan_due": plan_due.isoformat(),
            "report_due": report_due.isoformat()})  # fmt: skip
    session.commit()
    return [views.item_public(i, today) for i in opened]


@router.get(
    "/review-cycles/{cycle_id}/rectification-items",
    response_model=list[RectificationItemPublic],
)
def list_rectification_items(
    cycle_id: str,
    session: SessionDep,
    caller: CallerDep,
    institution: Annotated[str | None, Query(max_length=200)] = None,
    overdue: Annotated[bool | None, Query()] = None,
) -> list[RectificationItemPublic]:
    """The office sees every item; a system key only its institution's."""
    if caller.role == "system":
        institution = caller.institution
    elif caller.role != "admin":
        raise ApiProblem(403, "forbidden", "Forbidden", "this needs an admin or system key")
    rs.load_cycle(session, cycle_id, thesis_ids=[])
    today = rs.clock.today()
    items = [
        views.item_public(s.item, today) for s in store.cycle_items(session, cycle_id, institution)
    ]
    return [i for i in items if overdue is None or i.overdue == overdue]


def _kind(kind: str) -> ItemKind:
    try:
        return ItemKind(kind)
    except ValueError:
        raise ApiProblem(
            404, "not-found", "Not found", f"no item kind {kind!r} (plan or report)"
        ) from None


@router.get(
    "/review-cycles/{cycle_id}/rectification-items/{institution}/{kind}",
    response_model=RectificationItemPublic,
)
def get_rectification_item(
    cycle_id: str, institution: str, kind: str, session: SessionDep, caller: CallerDep
) -> RectificationItemPublic:
    views.check_institution_reader(caller, institution)
    return views.item_public(
        store.find_item(session, cycle_id, institution, _kind(kind)).item, rs.clock.today()
    )


@router.put(
    "/review-cycles/{cycle_id}/rectification-items/{institution}/{kind}/document",
    response_model=RectificationItemPublic,
    openapi_extra=DOCUMENT_BODY,
    responses={
        409: {"description": "not allowed now"},
        413: {"description": "too large"},
        415: {"description": "not a PDF, DOCX or text file"},
    },  # fmt: skip
)
async def submit_rectification_document(
    cycle_id: str,
    institution: str,
    kind: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: SubmitterCaller,
) -> RectificationItemPublic:
    """The institution files its plan or report (the raw file as the body, `?filename=`);
    a system key only for its own institution."""
    views.check_institution_reader(caller, institution)
    item_kind = _kind(kind)
    data = await read_body_limited(request, service.settings.rectification_max_bytes)
    label = label_from_request(request, f"{item_kind.value}.pdf")

    def run() -> RectificationItemPublic:
        today = rs.clock.today()
        item = submit_document(session, service, cycle_id, institution, item_kind, label, data,
                               caller, today, client_address(request))  # fmt: skip
        session.commit()
        return views.item_public(item, today)

    return await run_in_threadpool(run)


@router.get(
    "/review-cycles/{cycle_id}/rectification-items/{institution}/{kind}/document",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_rectification_document(
    cycle_id: str,
    institution: str,
    kind: str,
    service: ServiceDep,
    session: SessionDep,
    caller: CallerDep,
) -> Response:
    views.check_institution_reader(caller, institution)
    stored = store.find_item(session, cycle_id, institution, _kind(kind))
    if not stored.record.document_blob:
        raise ApiProblem(404, "not-found", "Not found", "nothing has been submitted for this item")
    label = stored.record.document_label or f"{kind}.pdf"
    return Response(
        service.blobs.read_bytes(stored.record.document_blob),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(label)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/review-cycles/{cycle_id}/rectification-items/{institution}/{kind}/decisions",
    response_model=RectificationItemPublic,
)
def decide_rectification_item(
    cycle_id: str,
    institution: str,
    kind: str,
    body: RectificationDecision,
    request: Request,
    session: SessionDep,
    caller: AdminCaller,
) -> RectificationItemPublic:
    """The office accepts or returns (with a reason, optionally a new due date) a submitted
    document, or sets a new due date while the institution owes it."""
    today = rs.clock.today()
    stored = store.find_item(session, cycle_id, institution, _kind(kind))
    actor = f"office:{caller.name}"
    try:
        if body.action == "accept":
            item = accept(stored.item, today, actor, body.note)
        elif body.action == "return":
            item = return_item(stored.item, today, actor, body.reason, body.new_due)
        else:
            if body.due is None:
                raise RectificationError(f"{stored.item.item_id}: give the new due date `due`")
            item = set_due_date(stored.item, body.due, today, actor, body.note)
    except RectificationError as exc:
        raise _refused(exc) from exc
    store.save_item(session, stored, item)
    detail: dict[str, Any] = {"institution": institution, "kind": kind, "action": body.action,
                              "due_on": item.due_on.isoformat()}  # fmt: skip
    record(session, caller, request, f"rectification.{body.action}", "rectification_item",
           str(stored.record.id), detail)  # fmt: skip
    session.commit()
    return views.item_public(item, today)


@router.post(
    "/review-cycles/{cycle_id}/escalation-runs", response_model=list[RectificationItemPublic]
)
def escalate_rectification(
    cycle_id: str, request: Request, session: SessionDep, caller: AdminCaller
) -> list[RectificationItemPublic]:
    """Escalates (逾期升级) every item still owed after its due date, once per due date; the
    escalated institutions go on the 通报 list."""
    today = rs.clock.today()
    rs.load_cycle(session, cycle_id, thesis_ids=[])
    stored = store.cycle_items(session, cycle_id)

    def run() -> list[RectificationItemPublic]:
        updated, escalated = escalate_overdue(
            [s.item for s in stored], today, f"office:{caller.name}"
        )
        for before, after in zip(stored, updated, strict=True):
            if after != before.item:
                store.save_item(session, before, after)
        record(session, caller, request, "rectification.escalate", "review_cycle", cycle_id,
               {"escalated": [i.item_id for i in escalated]})  # fmt: skip
        session.commit()
        return [views.item_public(i, today) for i in escalated]

    return run()
