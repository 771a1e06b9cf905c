"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from api.cli.main import package_version
from api.deps import ServiceDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    version: str


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "the database cannot be reached"}},
)
def health(service: ServiceDep) -> JSONResponse:
    """200 when the service is ready (the database answers)."""
    try:
        with service.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        body = Health(status="unavailable", database=type(exc).__name__, version=package_version())
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ok", database="ok", version=package_version()).model_dump())
