"""RFC 9457 problem details (`application/problem+json`) for every error the API returns.

ApiProblem
  └─ raised by routes and dependencies; rendered with its status, type, title and detail.
Validation errors, unknown routes (404), wrong methods (405) and unexpected exceptions (500)
are rendered the same way by the handlers that `install_problem_handlers` registers.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://spotcheck.example/problems/"
log = logging.getLogger("spotcheck.api")


class InvalidParam(BaseModel):
    name: str = Field(description="the field, column or parameter at fault")
    reason: str
    row: int | None = None
    value: str | None = None


class Problem(BaseModel):
    """The problem+json body (RFC 9457) with an `errors` extension listing field problems."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = Field(default=None, description="stable machine-readable error code")
    errors: list[InvalidParam] = Field(default_factory=list)


class ApiProblem(Exception):
    """An error to answer with problem+json."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        errors: list[InvalidParam] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def not_found(resource: str, resource_id: str) -> ApiProblem:
    return ApiProblem(404, "not-found", "Not found", f"no {resource} with id {resource_id!r}")


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + code,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        errors=errors or [],
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "Content too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation error"),
    429: ("rate-limited", "Too many requests"),
}


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install_problem_handlers(app: FastAPI) -> None:
    """Routes every error through problem+json."""

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.code, exc.title, exc.detail, exc.errors, exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            InvalidParam(name=_location(err.get("loc", ())), reason=str(err.get("msg", "")))
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e.name}: {e.reason}" for e in errors[:5])
        return problem_response(
            request, 422, "validation-error", "Validation error", detail, errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(request, exc.status_code, code, title, detail, headers=headers)

    @app.exception_handler(SQLAlchemyTimeout)
    @app.exception_handler(OperationalError)
    async def _overloaded(request: Request, exc: Exception) -> JSONResponse:
        """No database connection free in time, or SQLite still locked: a temporary state."""
        if isinstance(exc, OperationalError) and "locked" not in str(exc.orig).lower():
            return await _unexpected(request, exc)
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(
            request,
            503,
            "busy",
            "Service busy",
            "the database is busy; retry later",
            headers={"Retry-After": str(request.app.state.service.settings.retry_after_seconds)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            request, 500, "internal", "Internal server error", "the error was logged"
        )
