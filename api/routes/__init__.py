"""All routers of the API; to add a feature, write a router module and append it here."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    audit,
    corpora,
    draws,
    follow_up,
    frames,
    health,
    jobs,
    keys,
    portal,
    public_portal,
    review,
    screenings,
    submissions,
    webhooks,
)

ROUTERS: list[APIRouter] = [
    health.router,
    keys.router,
    audit.router,
    frames.router,
    draws.router,
    submissions.router,
    screenings.router,
    corpora.router,
    jobs.router,
    webhooks.router,
    review.router,
    review.reviewer_router,
    follow_up.public_router,
    follow_up.router,
    portal.router,
    public_portal.router,
]
