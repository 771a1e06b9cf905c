"""API keys (admin) and the caller's own identity."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api import audit
from api.deps import AdminCaller, CallerDep, PageDep, ServiceDep, SessionDep, client_address
from api.keys import KeyError_, create_key, list_keys, revoke_key
from api.problems import ApiProblem
from api.schemas.common import Paged
from api.schemas.keys import KeyCreate, KeyCreated, KeyPublic, Me

router = APIRouter(prefix="/v1", tags=["keys"])


@router.get("/me", response_model=Me)
def get_me(caller: CallerDep) -> Me:
    """The key making this request."""
    return Me(
        key_id=caller.key_id, name=caller.name, role=caller.role, institution=caller.institution
    )


@router.get("/keys", response_model=Paged[KeyPublic])
def list_api_keys(session: SessionDep, caller: AdminCaller, page: PageDep) -> Paged[KeyPublic]:
    keys = list_keys(session)
    items = keys[page.offset : page.offset + page.limit]
    return Paged[KeyPublic](data=[KeyPublic.model_validate(k) for k in items], count=len(keys))


@router.post("/keys", response_model=KeyCreated, status_code=201)
def create_api_key(
    body: KeyCreate,
    request: Request,
    session: SessionDep,
    service: ServiceDep,
    caller: AdminCaller,
) -> KeyCreated:
    """Creates a key; its secret `token` is shown only in this response."""
    try:
        created = create_key(
            session,
            secret=service.settings.secret_key,
            role=body.role,
            name=body.name,
            institution=body.institution,
        )
    except KeyError_ as exc:
        raise ApiProblem(422, "invalid-key-request", "Invalid key request", str(exc)) from exc
    audit.record(
        session,
        caller,
        "key.create",
        "api_key",
        created.key.id,
        {"role": body.role, "institution": body.institution, "name": created.key.name},
        client_address(request),
    )
    session.commit()
    public = KeyPublic.model_validate(created.key)
    return KeyCreated(**public.model_dump(), token=created.token)


@router.delete("/keys/{key_id}", response_model=KeyPublic)
def revoke_api_key(
    key_id: str, request: Request, session: SessionDep, service: ServiceDep, caller: AdminCaller
) -> KeyPublic:
    """Revokes a key (kept for the audit trail, never deleted)."""
    try:
        key = revoke_key(session, key_id)
    except KeyError_ as exc:
        raise ApiProblem(404, "not-found", "Not found", str(exc)) from exc
    audit.record(session, caller, "key.revoke", "api_key", key.id, {}, client_address(request))
    session.commit()
    service.principals.invalidate(key.id)
    return KeyPublic.model_validate(key)
