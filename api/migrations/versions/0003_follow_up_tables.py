"""Follow-up chain: allegations, rectification items, accountability decisions, used
proof-of-work challenges, institution portal sessions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allegations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("code_key", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("thesis_id", sa.String(length=100), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allegations")),
        sa.UniqueConstraint("code", name=op.f("uq_allegations_code")),
        sa.UniqueConstraint("code_key", name=op.f("uq_allegations_code_key")),
    )
    with op.batch_alter_table("allegations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allegations_institution"), ["institution"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_allegations_state"), ["state"], unique=False)

    op.create_table(
        "used_challenges",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_used_challenges")),
    )
    with op.batch_alter_table("used_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_used_challenges_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "institution_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name=op.f("fk_institution_sessions_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_institution_sessions_token_hash")),
    )
    with op.batch_alter_table("institution_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_institution_sessions_key_id"), ["key_id"], unique=False
        )

    op.create_table(
        "accountability_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["review_cycles.id"],
            name=op.f("fk_accountability_decisions_cycle_id_review_cycles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_decisions")),
    )
    with op.batch_alter_table("accountability_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accountability_decisions_cycle_id"), ["cycle_id"], unique=False
        )

    op.create_table(
        "rectification_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("document_blob", sa.String(length=64), nullable=True),
        sa.Column("document_label", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["review_cycles.id"],
            name=op.f("fk_rectification_items_cycle_id_review_cycles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_items")),
        sa.UniqueConstraint(
            "cycle_id", "institution", "kind", name=op.f("uq_rectification_items_cycle_id")
        ),
    )
    with op.batch_alter_table("rectification_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rectification_items_cycle_id"), ["cycle_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rectification_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_items_cycle_id"))

    op.drop_table("rectification_items")
    with op.batch_alter_table("accountability_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountability_decisions_cycle_id"))

    op.drop_table("accountability_decisions")
    with op.batch_alter_table("institution_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institution_sessions_key_id"))

    op.drop_table("institution_sessions")
    with op.batch_alter_table("used_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_challenges_expires_at"))

    op.drop_table("used_challenges")
    with op.batch_alter_table("allegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allegations_state"))
        batch_op.drop_index(batch_op.f("ix_allegations_institution"))

    op.drop_table("allegations")
