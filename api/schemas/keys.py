"""API keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["admin", "system", "reviewer"]


class KeyCreate(BaseModel):
    role: Role
    name: str = Field(default="", max_length=200)
    institution: str | None = Field(
        default=None, max_length=200, description="required for system keys"
    )


class KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    role: str
    institution: str | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class KeyCreated(KeyPublic):
    token: str = Field(description="the secret key; shown only in this response")


class Me(BaseModel):
    key_id: str
    name: str
    role: str
    institution: str | None


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_key_id: str | None
    actor: str
    role: str
    action: str
    resource_type: str
    resource_id: str | None
    detail: dict[str, Any]
    client: str | None
