"""The append-only audit log: who did what to which resource, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.keys import Principal
from api.storage.models import AuditEvent

SYSTEM_ACTOR = Principal(key_id="", name="spotcheck", role="system-process", institution=None)


def record(
    session: Session,
    actor: Principal,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> AuditEvent:
    """Adds one audit event to the session's transaction (committed with the change it logs)."""
    event = AuditEvent(
        actor_key_id=actor.key_id or None,
        actor=actor.name,
        role=actor.role,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        detail=detail or {},
        client=client,
    )
    session.add(event)
    return event


def list_events(
    session: Session,
    *,
    limit: int,
    offset: int,
    action: str | None = None,
    resource_id: str | None = None,
) -> tuple[list[AuditEvent], int]:
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if resource_id:
        query = query.where(AuditEvent.resource_id == resource_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset))
    return list(rows), count
