"""Routers and the audit helper of the follow-up routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from api import audit
from api.deps import client_address
from api.keys import Principal

router = APIRouter(prefix="/v1", tags=["follow-up"])
public_router = APIRouter(prefix="/v1", tags=["allegations (public)"])


def record(
    session: Session,
    caller: Principal,
    request: Request,
    action: str,
    resource_type: str,
    resource_id: str,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session, caller, action, resource_type, resource_id, detail, client_address(request)
    )
