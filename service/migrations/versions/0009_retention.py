"""Retention and a tamper-evident audit log: the audit entries are numbered and chained by
hashes (the entries already written are chained here, in the order they were written), the
checkpoints a purge of old entries leaves, the retention runs and the notices given to coaches
before a person is anonymised for inactivity.

Revision ID: 0009_retention
Revises: 0008_privacy
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.accounts.chain import CHAINED_COLUMNS, GENESIS, chain_hash
from service.db import UTCDateTime

revision: str = "0009_retention"
down_revision: str | None = "0008_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AUDIT = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("user_id", sa.Integer()),
    sa.column("role", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.Integer()),
    sa.column("detail", sa.JSON()),
    sa.column("seq", sa.BigInteger()),
    sa.column("hash", sa.String()),
)


def _chain_existing_entries() -> None:
    bind = op.get_bind()
    columns = [_AUDIT.c[name] for name in CHAINED_COLUMNS if name != "seq"]
    rows = bind.execute(sa.select(*columns).order_by(_AUDIT.c.id)).mappings().all()
    previous, links = GENESIS, []
    for seq, row in enumerate(rows, start=1):
        previous = chain_hash(previous, {**row, "seq": seq})
        links.append({"row_id": row["id"], "new_seq": seq, "new_hash": previous})
    if links:
        bind.execute(
            sa.update(_AUDIT)
            .where(_AUDIT.c.id == sa.bindparam("row_id"))
            .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash")),
            links,
        )


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_seq"), ["seq"])
    _chain_existing_entries()
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through_seq", sa.BigInteger(), nullable=False),
        sa.Column("through_hash", sa.String(length=64), nullable=False),
        sa.Column("purged", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("through_seq", name=op.f("uq_audit_checkpoints_through_seq")),
    )
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("audit_head_seq", sa.BigInteger(), nullable=True),
        sa.Column("audit_head_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_retention_runs_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    op.create_table(
        "retention_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("last_activity_at", UTCDateTime(), nullable=False),
        sa.Column("noticed_at", UTCDateTime(), nullable=False),
        sa.Column("anonymise_on", sa.Date(), nullable=False),
        sa.Column("is_mailed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'anonymised', 'cancelled', 'refused')",
            name=op.f("ck_retention_notices_status"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_retention_notices_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["users.id"],
            name=op.f("fk_retention_notices_coach_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["retention_runs.id"],
            name=op.f("fk_retention_notices_run_id_retention_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_notices")),
    )
    with op.batch_alter_table("retention_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retention_notices_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_retention_notices_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retention_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_notices_status"))
        batch_op.drop_index(batch_op.f("ix_retention_notices_candidate_id"))
    op.drop_table("retention_notices")
    op.drop_table("retention_runs")
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("seq")
