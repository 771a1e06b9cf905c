"""Outgoing webhooks signed per Standard Webhooks, delivered by the job queue with backoff.

An event is written as a delivery row plus a queued job in the same transaction as the change
it reports (so a crash can neither lose it nor send it for a change that was rolled back).
Every attempt is logged; a failed delivery can be resent with the same message id, which lets
receivers de-duplicate.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook as Signer

from api.jobs import queue as q
from api.jobs.worker import JobContext, JobHandler, PermanentFailure, RetryLater
from api.settings import Settings
from api.storage.models import Webhook, WebhookAttempt, WebhookDelivery, utcnow
from api.webhook_targets import DisallowedTarget, check_target

EVENTS = ("screening.completed", "screening.failed", "batch.completed", "ping")
QUEUE = "webhooks"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential backoff: base, 2·base, 4·base … capped at one hour."""
    return min(3600.0, base * 2 ** max(0, attempt - 1))


def _queue_delivery(session: Session, delivery: WebhookDelivery, max_attempts: int) -> None:
    q.enqueue(
        session,
        "webhook.deliver",
        {"delivery_id": delivery.id},
        queue=QUEUE,
        max_attempts=max_attempts,
    )


def create_delivery(
    session: Session, hook: Webhook, event: str, data: dict[str, Any], max_attempts: int
) -> WebhookDelivery:
    message_id = "msg_" + uuid.uuid4().hex
    body = {"type": event, "timestamp": datetime.now(UTC).isoformat(), "data": data}
    delivery = WebhookDelivery(
        id=message_id,
        webhook_id=hook.id,
        event=event,
        payload=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        state="pending",
    )
    session.add(delivery)
    session.flush()
    _queue_delivery(session, delivery, max_attempts)
    return delivery


def emit(
    session: Session,
    event: str,
    data: dict[str, Any],
    *,
    institution: str | None,
    max_attempts: int,
) -> list[WebhookDelivery]:
    """Queues `event` for every active hook subscribed to it that may see `institution`."""
    hooks = session.scalars(select(Webhook).where(Webhook.active.is_(True))).all()
    deliveries = []
    for hook in hooks:
        if event not in hook.events:
            continue
        if hook.institution is not None and hook.institution != institution:
            continue
        deliveries.append(create_delivery(session, hook, event, data, max_attempts))
    return deliveries


def resend(session: Session, delivery: WebhookDelivery, max_attempts: int) -> WebhookDelivery:
    delivery.state = "pending"
    delivery.next_attempt_at = utcnow()
    _queue_delivery(session, delivery, max_attempts)
    return delivery


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    signature = Signer(secret).sign(message_id, now, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "spotcheck-webhooks/1",
    }


def _send(
    hook: Webhook, delivery: WebhookDelivery, settings: Settings
) -> tuple[int | None, str | None, bool]:
    """POSTs the signed event: (HTTP status, error or None, whether the target was refused).

    A target no longer allowed (see `api/webhook_targets.py`) is not contacted at all.
    """
    try:
        check_target(hook.url, allow_private=settings.webhook_allow_private)
    except DisallowedTarget as exc:
        return None, f"not sent: {exc}", True
    headers = signed_headers(hook.secret, delivery.id, delivery.payload, datetime.now(UTC))
    try:
        with httpx.Client(timeout=settings.webhook_timeout_seconds) as client:
            response = client.post(hook.url, content=delivery.payload.encode(), headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}", False
    status = response.status_code
    return status, None if 200 <= status < 300 else f"HTTP {status}", False


def _deliver(context: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    settings = context.service.settings
    with context.service.sessions() as session:
        delivery = session.get(WebhookDelivery, payload["delivery_id"])
        if delivery is None:
            raise PermanentFailure("the delivery no longer exists")
        hook = session.get(Webhook, delivery.webhook_id)
        if hook is None or not hook.active:
            delivery.state = "cancelled"
            session.commit()
            return {"cancelled": True}
        started = time.perf_counter()
        status, error, refused = _send(hook, delivery, settings)
        elapsed = 0.0 if refused else (time.perf_counter() - started) * 1000
        session.add(
            WebhookAttempt(
                delivery_id=delivery.id, status_code=status, error=error, duration_ms=elapsed
            )
        )
        delivery.attempts += 1
        delivery.last_status_code = status
        delivery.last_error = error
        if refused:
            session.commit()
            raise PermanentFailure(error)
        if error is None:
            delivery.state = "delivered"
            delivery.delivered_at = utcnow()
            delivery.next_attempt_at = None
            session.commit()
            return {"status": status}
        delay = backoff_seconds(context.attempt, settings.webhook_backoff_seconds)
        delivery.state = "retrying"
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
        session.commit()
    raise RetryLater(delay, error)


def _give_up(context: JobContext, payload: dict[str, Any], reason: str) -> None:
    with context.service.sessions() as session:
        delivery = session.get(WebhookDelivery, payload["delivery_id"])
        if delivery is not None:
            delivery.state = "failed"
            delivery.next_attempt_at = None
            delivery.last_error = reason
            session.commit()


DELIVER = JobHandler(run=_deliver, give_up=_give_up)
