"""Batch runs and digests: offers scored by each run (match_run_offers), digest marks per coach.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_run_offers",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("offer_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["match_runs.id"],
            name=op.f("fk_match_run_offers_run_id_match_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name=op.f("fk_match_run_offers_offer_id_offers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "offer_id", name=op.f("pk_match_run_offers")),
    )
    with op.batch_alter_table("match_run_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_run_offers_offer_id"), ["offer_id"], unique=False
        )
    op.create_table(
        "digest_marks",
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("last_match_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["users.id"],
            name=op.f("fk_digest_marks_coach_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coach_id", name=op.f("pk_digest_marks")),
    )


def downgrade() -> None:
    op.drop_table("digest_marks")
    with op.batch_alter_table("match_run_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_run_offers_offer_id"))
    op.drop_table("match_run_offers")
