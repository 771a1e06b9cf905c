"""Webhooks: register, list, remove, ping, delivery log, resend."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import audit
from api.deps import PageDep, ServiceDep, SessionDep, SubmitterCaller, client_address
from api.keys import Principal
from api.problems import ApiProblem, InvalidParam, not_found
from api.schemas.common import Paged
from api.schemas.webhooks import (
    DeliveryAttemptPublic,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)
from api.storage.models import Webhook, WebhookAttempt, WebhookDelivery
from api.webhook_targets import DisallowedTarget, check_target
from api.webhooks import create_delivery, new_secret, resend

router = APIRouter(prefix="/v1", tags=["webhooks"])


def _get_hook(session: Session, webhook_id: str, caller: Principal) -> Webhook:
    """Admins see every hook; a system key only the hooks it registered."""
    hook = session.get(Webhook, webhook_id)
    if hook is None or (caller.role != "admin" and hook.owner_key_id != caller.key_id):
        raise not_found("webhook", webhook_id)
    return hook


def _delivery_public(session: Session, delivery: WebhookDelivery) -> DeliveryPublic:
    attempts = session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.id)
    )
    return DeliveryPublic(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        event=delivery.event,
        state=delivery.state,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        next_attempt_at=delivery.next_attempt_at,
        log=[DeliveryAttemptPublic.model_validate(a) for a in attempts],
    )


@router.post("/webhooks", response_model=WebhookCreated, status_code=201)
def create_webhook(
    body: WebhookCreate,
    request: Request,
    response: Response,
    service: ServiceDep,
    session: SessionDep,
    caller: SubmitterCaller,
) -> WebhookCreated:
    """Registers an endpoint; events are signed with the returned secret (Standard Webhooks).

    A system key's hook receives only its own institution's events. The URL must lead to
    a public address (see `api/webhook_targets.py`) unless the service allows private ones.
    """
    try:
        check_target(str(body.url), allow_private=service.settings.webhook_allow_private)
    except DisallowedTarget as exc:
        raise ApiProblem(
            422,
            "validation-error",
            "Validation error",
            f"url: {exc}",
            errors=[InvalidParam(name="url", reason=str(exc), value=str(body.url))],
        ) from None
    hook = Webhook(
        url=str(body.url),
        secret=new_secret(),
        events=list(dict.fromkeys(body.events)),
        owner_key_id=caller.key_id,
        institution=caller.institution if caller.role == "system" else None,
    )
    session.add(hook)
    session.flush()
    audit.record(
        session,
        caller,
        "webhook.create",
        "webhook",
        hook.id,
        {"url": hook.url, "events": hook.events},
        client_address(request),
    )
    session.commit()
    response.headers["Location"] = f"/v1/webhooks/{hook.id}"
    return WebhookCreated(**WebhookPublic.model_validate(hook).model_dump(), secret=hook.secret)


@router.get("/webhooks", response_model=Paged[WebhookPublic])
def list_webhooks(
    session: SessionDep, caller: SubmitterCaller, page: PageDep
) -> Paged[WebhookPublic]:
    query = select(Webhook).where(Webhook.active.is_(True))
    if caller.role != "admin":
        query = query.where(Webhook.owner_key_id == caller.key_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Webhook.created_at, Webhook.id).limit(page.limit).offset(page.offset)
    )
    return Paged[WebhookPublic](data=[WebhookPublic.model_validate(r) for r in rows], count=count)


@router.get("/webhooks/{webhook_id}", response_model=WebhookPublic)
def get_webhook(webhook_id: str, session: SessionDep, caller: SubmitterCaller) -> WebhookPublic:
    return WebhookPublic.model_validate(_get_hook(session, webhook_id, caller))


@router.delete("/webhooks/{webhook_id}", status_code=204, response_class=Response)
def delete_webhook(
    webhook_id: str, request: Request, session: SessionDep, caller: SubmitterCaller
) -> Response:
    """Deactivates the hook (its delivery log is kept); pending deliveries are cancelled."""
    hook = _get_hook(session, webhook_id, caller)
    hook.active = False
    audit.record(session, caller, "webhook.delete", "webhook", hook.id, {}, client_address(request))
    session.commit()
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/ping", response_model=DeliveryPublic, status_code=202)
def ping_webhook(
    webhook_id: str, service: ServiceDep, session: SessionDep, caller: SubmitterCaller
) -> DeliveryPublic:
    """Queues a signed `ping` event to test the endpoint; watch its delivery log."""
    hook = _get_hook(session, webhook_id, caller)
    if not hook.active:
        raise not_found("webhook", webhook_id)
    delivery = create_delivery(
        session,
        hook,
        "ping",
        {"webhook_id": hook.id},
        service.settings.webhook_max_attempts,
    )
    session.commit()
    return _delivery_public(session, delivery)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=Paged[DeliveryPublic])
def list_webhook_deliveries(
    webhook_id: str, session: SessionDep, caller: SubmitterCaller, page: PageDep
) -> Paged[DeliveryPublic]:
    """Every delivery of this hook, newest first, each with its attempt log."""
    hook = _get_hook(session, webhook_id, caller)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return Paged[DeliveryPublic](data=[_delivery_public(session, d) for d in rows], count=count)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/resend",
    response_model=DeliveryPublic,
    status_code=202,
)
def resend_webhook_delivery(
    webhook_id: str,
    delivery_id: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    caller: SubmitterCaller,
) -> DeliveryPublic:
    """Sends a delivery again with the same message id (receivers can de-duplicate)."""
    hook = _get_hook(session, webhook_id, caller)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != hook.id or not hook.active:
        raise not_found("delivery", delivery_id)
    resend(session, delivery, service.settings.webhook_max_attempts)
    audit.record(
        session,
        caller,
        "webhook.resend",
        "webhook_delivery",
        delivery.id,
        {},
        client_address(request),
    )
    session.commit()
    return _delivery_public(session, delivery)
