"""API keys: created once and shown once, stored as a keyed hash, revoked but never deleted."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.signing import keyed_digest
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
    """How an API key is stored: its keyed digest, never the token itself."""
    return keyed_digest(secret, token)


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


class PrincipalCache:
    """Recently authenticated keys, so that hot read paths skip the database.

    An entry lives `ttl` seconds; revoking a key through this process drops it at once, a
    revocation made elsewhere (the CLI, another server) takes effect within `ttl`.
    """

    def __init__(self, ttl: float = 5.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        return self.lookup(token)[0]

    def lookup(self, token: str) -> tuple[Principal | None, bool]:
        """The cached principal (None once older than `ttl`) and whether it is due for a
        refresh (older than half of `ttl`), so it can be renewed before anyone must wait."""
        if self.ttl <= 0:
            return None, False
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None, False
            age = time.monotonic() - entry[0]
            if age > self.ttl:
                del self._entries[token]
                return None, False
            return entry[1], age > self.ttl / 2

    @property
    def generation(self) -> int:
        """Changes on every invalidation; pass it to `put` from before a database lookup."""
        return self._generation

    def put(self, token: str, principal: Principal, generation: int | None = None) -> None:
        """Caches `principal`, unless a key was invalidated since `generation` was read (the
        lookup may then predate a revocation)."""
        if self.ttl <= 0:
            return
        with self._lock:
            if generation is not None and generation != self._generation:
                return
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[token] = (time.monotonic(), principal)

    def invalidate(self, key_id: str) -> None:
        with self._lock:
            self._generation += 1
            for token in [t for t, (_, p) in self._entries.items() if p.key_id == key_id]:
                del self._entries[token]
