"""Expert review: review cycles, experts, theses, assignments, reviews, cases, portal tokens.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_cycles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("draw_id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=10), nullable=False),
        sa.Column("prior_results_blob", sa.String(length=64), nullable=True),
        sa.Column("prior_results_name", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["draws.id"], name=op.f("fk_review_cycles_draw_id_draws")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_cycles")),
        sa.UniqueConstraint("draw_id", name=op.f("uq_review_cycles_draw_id")),
    )
    op.create_table(
        "expert_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("expert_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["review_cycles.id"], name=op.f("fk_expert_keys_cycle_id_review_cycles")
        ),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name=op.f("fk_expert_keys_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_expert_keys")),
    )
    with op.batch_alter_table("expert_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_keys_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "misconduct_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("thesis_id", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["review_cycles.id"],
            name=op.f("fk_misconduct_cases_cycle_id_review_cycles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_misconduct_cases")),
        sa.UniqueConstraint("cycle_id", "thesis_id", name=op.f("uq_misconduct_cases_cycle_id")),
    )
    with op.batch_alter_table("misconduct_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_misconduct_cases_cycle_id"), ["cycle_id"], unique=False
        )

    op.create_table(
        "portal_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("expert_id", sa.String(length=100), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["review_cycles.id"], name=op.f("fk_portal_tokens_cycle_id_review_cycles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_tokens_token_hash")),
    )
    with op.batch_alter_table("portal_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_tokens_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "review_assignments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("thesis_id", sa.String(length=100), nullable=False),
        sa.Column("expert_id", sa.String(length=100), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["review_cycles.id"],
            name=op.f("fk_review_assignments_cycle_id_review_cycles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
        sa.UniqueConstraint(
            "cycle_id",
            "thesis_id",
            "expert_id",
            "round",
            name=op.f("uq_review_assignments_cycle_id"),
        ),
    )
    with op.batch_alter_table("review_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_assignments_cycle_id"), ["cycle_id"], unique=False
        )
        batch_op.create_index(
            "ix_review_assignments_expert", ["cycle_id", "expert_id"], unique=False
        )

    op.create_table(
        "review_experts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("expert_id", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["review_cycles.id"],
            name=op.f("fk_review_experts_cycle_id_review_cycles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_experts")),
        sa.UniqueConstraint("cycle_id", "expert_id", name=op.f("uq_review_experts_cycle_id")),
    )
    with op.batch_alter_table("review_experts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_experts_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "review_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("thesis_id", sa.String(length=100), nullable=False),
        sa.Column("expert_id", sa.String(length=100), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["review_cycles.id"],
            name=op.f("fk_review_records_cycle_id_review_cycles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_records")),
        sa.UniqueConstraint(
            "cycle_id",
            "thesis_id",
            "expert_id",
            "round",
            "revision",
            name=op.f("uq_review_records_cycle_id"),
        ),
    )
    with op.batch_alter_table("review_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_records_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "review_theses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cycle_id", sa.String(length=32), nullable=False),
        sa.Column("thesis_id", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["review_cycles.id"], name=op.f("fk_review_theses_cycle_id_review_cycles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_theses")),
        sa.UniqueConstraint("cycle_id", "thesis_id", name=op.f("uq_review_theses_cycle_id")),
    )
    with op.batch_alter_table("review_theses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_theses_cycle_id"), ["cycle_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_theses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_theses_cycle_id"))

    op.drop_table("review_theses")
    with op.batch_alter_table("review_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_records_cycle_id"))

    op.drop_table("review_records")
    with op.batch_alter_table("review_experts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_experts_cycle_id"))

    op.drop_table("review_experts")
    with op.batch_alter_table("review_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_review_assignments_expert")
        batch_op.drop_index(batch_op.f("ix_review_assignments_cycle_id"))

    op.drop_table("review_assignments")
    with op.batch_alter_table("portal_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_tokens_cycle_id"))

    op.drop_table("portal_tokens")
    with op.batch_alter_table("misconduct_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_misconduct_cases_cycle_id"))

    op.drop_table("misconduct_cases")
    with op.batch_alter_table("expert_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_keys_cycle_id"))

    op.drop_table("expert_keys")
    op.drop_table("review_cycles")
