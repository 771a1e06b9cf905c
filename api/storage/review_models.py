"""Database tables of expert review: one review cycle per draw and its domain objects.

Each domain object of `review` (expert, sampled thesis, assignment, review revision,
misconduct case) is one row holding its JSON form (the same encoding as the CLI
workspace) plus the key columns queries filter on. Reviewer identities (API keys bound
to an expert, one-time sign-in links, portal sessions) live beside them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.storage.models import Base, UTCDateTime, new_id, utcnow


class ReviewCycleRecord(Base):
    """The review stage of one draw: rules, seed and an optimistic-lock version."""

    __tablename__ = "review_cycles"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    draw_id: Mapped[str] = mapped_column(ForeignKey("draws.id"), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    exclusions: Mapped[list[str]] = mapped_column(JSON, default=list)
    due_days: Mapped[int] = mapped_column(Integer, default=30)
    identity: Mapped[str] = mapped_column(String(10), default="id")
    prior_results_blob: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prior_results_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ReviewExpertRecord(Base):
    __tablename__ = "review_experts"
    __table_args__ = (UniqueConstraint("cycle_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    expert_id: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReviewThesisRecord(Base):
    __tablename__ = "review_theses"
    __table_args__ = (UniqueConstraint("cycle_id", "thesis_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    thesis_id: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReviewAssignmentRecord(Base):
    """One expert on one thesis in one round; the opaque `id` is what reviewers see."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint("cycle_id", "thesis_id", "expert_id", "round"),
        Index("ix_review_assignments_expert", "cycle_id", "expert_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    thesis_id: Mapped[str] = mapped_column(String(100))
    expert_id: Mapped[str] = mapped_column(String(100))
    round: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReviewRecord(Base):
    """One revision of one expert's review (revisions are kept, never overwritten)."""

    __tablename__ = "review_records"
    __table_args__ = (UniqueConstraint("cycle_id", "thesis_id", "expert_id", "round", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    thesis_id: Mapped[str] = mapped_column(String(100))
    expert_id: Mapped[str] = mapped_column(String(100))
    round: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MisconductCaseRecord(Base):
    __tablename__ = "misconduct_cases"
    __table_args__ = (UniqueConstraint("cycle_id", "thesis_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    thesis_id: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ExpertKey(Base):
    """A reviewer API key bound to one expert of one review cycle."""

    __tablename__ = "expert_keys"

    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    expert_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PortalToken(Base):
    """A one-time sign-in link (`kind` link) or a portal session (`kind` session).

    Only a keyed hash of the secret is stored; `used_at` marks a consumed link or an
    ended session.
    """

    __tablename__ = "portal_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    expert_id: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
