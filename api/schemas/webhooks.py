"""Webhook registrations and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

Event = Literal["screening.completed", "screening.failed", "batch.completed"]
ALL_EVENTS: tuple[Event, ...] = ("screening.completed", "screening.failed", "batch.completed")


class WebhookCreate(BaseModel):
    url: AnyHttpUrl = Field(description="https (or http) endpoint receiving POSTed events")
    events: list[Event] = Field(
        default_factory=lambda: list(ALL_EVENTS),
        min_length=1,
        max_length=10,
    )


class WebhookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    events: list[str]
    institution: str | None
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="signing secret (whsec_…); shown only in this response")


class DeliveryAttemptPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryPublic(BaseModel):
    id: str = Field(description="the webhook-id header (stable across resends)")
    webhook_id: str
    event: str
    state: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    log: list[DeliveryAttemptPublic]
