"""The audit log (admin, read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.audit import list_events
from api.deps import AdminCaller, PageDep, SessionDep
from api.schemas.common import Paged
from api.schemas.keys import AuditEventPublic

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit-events", response_model=Paged[AuditEventPublic])
def list_audit_events(
    session: SessionDep,
    caller: AdminCaller,
    page: PageDep,
    action: Annotated[str | None, Query(max_length=60)] = None,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Paged[AuditEventPublic]:
    """Newest first; filter by action (e.g. `draw.create`) or resource id."""
    rows, count = list_events(
        session, limit=page.limit, offset=page.offset, action=action, resource_id=resource_id
    )
    return Paged[AuditEventPublic](
        data=[AuditEventPublic.model_validate(r) for r in rows], count=count
    )
