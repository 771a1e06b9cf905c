"""Database tables of the follow-up chain: allegations (举报), rectification items (整改),
accountability decisions (问责), used proof-of-work challenges and institution portal sessions.

As with the review tables, each domain object of `review` is one row holding its JSON form
(the same encoding as the CLI workspace's `allegations.json`, `rectification.json` and
`accountability.json`) plus the key columns queries filter on; a `version` column guards
changes against concurrent writers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.storage.models import Base, UTCDateTime, new_id, utcnow


class AllegationRecord(Base):
    """One allegation; `code_key` is the tracking code reduced to letters and digits."""

    __tablename__ = "allegations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    code_key: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    institution: Mapped[str] = mapped_column(String(200), index=True)
    thesis_id: Mapped[str] = mapped_column(String(100), default="")
    received_on: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RectificationRecord(Base):
    """One rectification item (plan or report) of one institution in one review cycle."""

    __tablename__ = "rectification_items"
    __table_args__ = (UniqueConstraint("cycle_id", "institution", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    institution: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    document_blob: Mapped[str | None] = mapped_column(String(64), nullable=True)
    document_label: Mapped[str | None] = mapped_column(String(255), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class AccountabilityRecord(Base):
    """One 问责 decision with its basis, for an institution of a review cycle."""

    __tablename__ = "accountability_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    institution: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UsedChallenge(Base):
    """A redeemed proof-of-work challenge: the primary key refuses a second redemption."""

    __tablename__ = "used_challenges"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class InstitutionSession(Base):
    """A portal session of an institution user (signed in with its system key).

    Only a keyed hash of the session token is stored; `ended_at` marks a signed-out session.
    """

    __tablename__ = "institution_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    institution: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
