"""API keys: created once and shown once, stored as a keyed hash, revoked but never deleted."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.storage.models import ApiKey, utcnow

ROLES = ("admin", "system", "reviewer")
TOKEN_PREFIX = "sck_"


class KeyError_(ValueError):
    """A key request that cannot be honoured (bad role, missing institution, unknown key)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name, role and (for system keys) institution."""

    key_id: str
    name: str
    role: str
    institution: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    token: str


def hash_token(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def create_key(
    session: Session, *, secret: str, role: str, name: str, institution: str | None = None
) -> CreatedKey:
    """Creates a key; the returned token is the only time the secret is visible."""
    if role not in ROLES:
        raise KeyError_(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    institution = (institution or "").strip() or None
    if role == "system" and not institution:
        raise KeyError_("a system key must be bound to an institution (--institution)")
    if role != "system" and institution:
        raise KeyError_("only system keys are bound to an institution")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name.strip() or role,
        role=role,
        institution=institution,
        prefix=token[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(token, secret),
    )
    session.add(key)
    session.flush()
    return CreatedKey(key, token)


def revoke_key(session: Session, key_id: str) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        matches = session.scalars(select(ApiKey).where(ApiKey.prefix == key_id)).all()
        if len(matches) != 1:
            raise KeyError_(f"no key with id or prefix {key_id!r}")
        key = matches[0]
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def authenticate(session: Session, token: str, secret: str) -> Principal | None:
    """The principal for a bearer token, or None for an unknown or revoked key."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_token(token, secret)))
    if key is None or key.revoked_at is not None:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        key.last_used_at = now
        session.commit()
    return Principal(key.id, key.name, key.role, key.institution)
