"""Shared route dependencies: the service, a database session, the caller, roles, paging.

Routers declare what they need with the `Annotated` aliases below, e.g.
`def handler(session: SessionDep, caller: AdminCaller, page: PageDep)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.keys import Principal
from api.problems import ApiProblem
from api.service import Service

bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer sck_…`")


async def get_service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_session(service: ServiceDep) -> AsyncIterator[Session]:
    """A session per request; it connects lazily (in the handler's thread) on first use.

    Dependencies without I/O are `async` so that they run on the event loop instead of
    costing a thread-pool hop each.
    """
    session = service.sessions()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_principal(
    service: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The authenticated caller; 401 without a valid key, 429 over the key's rate limit.

    A recently seen key is answered from the in-process cache (`api.key_lookup`), so the hot
    read paths neither open a database session nor hop to the thread pool to authenticate.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiProblem(
            401,
            "unauthorized",
            "Authentication required",
            "send an API key as `Authorization: Bearer <key>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = await service.keys.principal(credentials.credentials)
    if principal is None:
        raise ApiProblem(
            401,
            "invalid-key",
            "Invalid API key",
            "the API key is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    wait = service.limiter.acquire(principal.key_id)
    if wait > 0:
        raise ApiProblem(
            429,
            "rate-limited",
            "Too many requests",
            "this key's request rate is over its limit; retry later",
            headers={"Retry-After": service.limiter.retry_after_header(wait)},
        )
    return principal


CallerDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only callers whose key has one of `roles`."""

    async def check(caller: CallerDep) -> Principal:
        if caller.role not in roles:
            raise ApiProblem(
                403,
                "forbidden",
                "Forbidden",
                f"this action needs a key with role {' or '.join(roles)}",
            )
        return caller

    return check


AdminCaller = Annotated[Principal, Depends(require_roles("admin"))]
SubmitterCaller = Annotated[Principal, Depends(require_roles("admin", "system"))]


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


async def get_page(
    limit: Annotated[int, Query(ge=1, le=500, description="items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(get_page)]


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
