"""Reviewer identities: keys bound to an expert, one-time sign-in links and portal sessions
(tokens are stored only as keyed digests).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.keys import Principal
from api.problems import ApiProblem
from api.signing import keyed_digest
from api.storage.models import ApiKey, rowcount, utcnow
from api.storage.review_models import (
    ExpertKey,
    PortalToken,
)

LINK_TTL = timedelta(days=7)
SESSION_TTL = timedelta(hours=8)


@dataclass(frozen=True)
class ReviewerIdentity:
    """Who a reviewer is: one expert of one review cycle (and the key used, if any)."""

    cycle_id: str
    expert_id: str
    key_id: str | None = None


# --- reviewer identities: bound keys, one-time links, portal sessions ------------------------


def identity_for_key(session: Session, caller: Principal) -> ReviewerIdentity:
    """The expert a reviewer key is bound to; 403 for other roles or unbound keys."""
    if caller.role != "reviewer":
        raise ApiProblem(
            403, "forbidden", "Forbidden", "this action needs a reviewer key bound to an expert"
        )
    binding = session.get(ExpertKey, caller.key_id)
    if binding is None:
        raise ApiProblem(
            403,
            "not-an-expert",
            "Forbidden",
            "this reviewer key is not bound to an expert of a review cycle",
        )
    return ReviewerIdentity(binding.cycle_id, binding.expert_id, caller.key_id)


def _token_hash(token: str, secret: str, purpose: str) -> str:
    return keyed_digest(secret, token, purpose)


def issue_token(
    session: Session,
    secret: str,
    kind: str,
    identity: ReviewerIdentity,
    ttl: timedelta,
    created_by: str | None = None,
) -> tuple[str, PortalToken]:
    """A new random token (returned once) and its stored record (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    record = PortalToken(
        kind=kind,
        token_hash=_token_hash(token, secret, kind),
        cycle_id=identity.cycle_id,
        expert_id=identity.expert_id,
        key_id=identity.key_id,
        expires_at=utcnow() + ttl,
        created_by=created_by,
    )
    session.add(record)
    session.flush()
    return token, record


def find_token(session: Session, secret: str, kind: str, token: str) -> PortalToken | None:
    """The live (unused, unexpired) token record, or None."""
    if not token or len(token) > 200:
        return None
    record = session.scalar(
        select(PortalToken).where(PortalToken.token_hash == _token_hash(token, secret, kind))
    )
    if record is None or record.kind != kind or record.used_at is not None:
        return None
    if record.expires_at <= utcnow():
        return None
    if record.key_id is not None:
        key = session.get(ApiKey, record.key_id)
        if key is None or key.revoked_at is not None:
            return None
    return record


def redeem_link(session: Session, secret: str, token: str) -> ReviewerIdentity | None:
    """Consumes a one-time sign-in link; None when unknown, used or expired."""
    record = find_token(session, secret, "link", token)
    if record is None:
        return None
    consumed = session.execute(
        update(PortalToken)
        .where(PortalToken.id == record.id, PortalToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(consumed) != 1:
        return None
    return ReviewerIdentity(record.cycle_id, record.expert_id, None)


def expert_principal(identity: ReviewerIdentity, name: str) -> Principal:
    """The audit actor for a portal session started from a one-time link (no key)."""
    return Principal(identity.key_id or "", name, "reviewer", None)
