"""Pre-selection workflow: proposal snapshot and comment columns, a ``withdrawn`` state,
proposal events; placements and their hours per month.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES_OLD = (
    "proposed",
    "validated",
    "refused",
    "presented",
    "hired",
    "not_retained",
    "in_post",
    "ended",
    "obsolete",
)
_STATES_NEW = (*_STATES_OLD, "withdrawn")
_CONTRACT_TYPES = ("CDI", "CDD", "INTERIM", "CDDI", "PRO", "APPRENTISSAGE", "AUTRE")
_DELIVERY_MODES = (
    "direct_hire",
    "mise_a_disposition",
    "geiq",
    "sous_traitance_siae",
    "co_traitance_siae",
)
_OUTCOMES = ("emploi_durable", "emploi_transition", "sortie_positive", "other", "unknown")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def upgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state_reason_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("state_changed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("is_manual", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("rank", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("exclusion_reasons", sa.JSON(), nullable=True))
        batch_op.drop_constraint(op.f("ck_proposals_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_proposals_state"), _in("state", _STATES_NEW))
    op.execute("UPDATE proposals SET state_changed_at = updated_at")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.alter_column("state_changed_at", existing_type=UTCDateTime(), nullable=False)
        batch_op.alter_column("is_manual", existing_type=sa.Boolean(), server_default=None)
        batch_op.create_index(
            batch_op.f("ix_proposals_state_changed_at"), ["state_changed_at"], unique=False
        )

    op.create_table(
        "proposal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("reason_text", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["by"], ["users.id"], name=op.f("fk_proposal_events_by_users")),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_events_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_events")),
    )
    with op.batch_alter_table("proposal_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_events_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("delivery_mode", sa.String(length=24), nullable=False),
        sa.Column("intermediary", sa.String(length=8), nullable=True),
        sa.Column("contract_type", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("outcome_at_end", sa.String(length=24), nullable=True),
        sa.Column("outcome_6_months", sa.String(length=24), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            _in("contract_type", _CONTRACT_TYPES), name=op.f("ck_placements_contract_type")
        ),
        sa.CheckConstraint(
            _in("delivery_mode", _DELIVERY_MODES), name=op.f("ck_placements_delivery_mode")
        ),
        sa.CheckConstraint(
            "intermediary IS NULL OR intermediary IN ('ETTI', 'AI')",
            name=op.f("ck_placements_intermediary"),
        ),
        sa.CheckConstraint(
            f"outcome_6_months IS NULL OR {_in('outcome_6_months', _OUTCOMES)}",
            name=op.f("ck_placements_outcome_6_months"),
        ),
        sa.CheckConstraint(
            f"outcome_at_end IS NULL OR {_in('outcome_at_end', _OUTCOMES)}",
            name=op.f("ck_placements_outcome_at_end"),
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_placements_dates")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_placements_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_placements_created_by_users")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_placements_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_placements_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_placements_proposal_id")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placements_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_placements_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "placement_hours",
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.CheckConstraint("hours >= 0 AND hours <= 220", name=op.f("ck_placement_hours_hours")),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_placement_hours_placement_id_placements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("placement_id", "month", name=op.f("pk_placement_hours")),
    )


def downgrade() -> None:
    op.drop_table("placement_hours")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placements_lot_id"))
        batch_op.drop_index(batch_op.f("ix_placements_candidate_id"))
    op.drop_table("placements")
    with op.batch_alter_table("proposal_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_events_proposal_id"))
    op.drop_table("proposal_events")
    op.execute("UPDATE proposals SET state = 'obsolete' WHERE state = 'withdrawn'")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_state_changed_at"))
        batch_op.drop_constraint(op.f("ck_proposals_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_proposals_state"), _in("state", _STATES_OLD))
        batch_op.drop_column("exclusion_reasons")
        batch_op.drop_column("rank")
        batch_op.drop_column("is_manual")
        batch_op.drop_column("comment")
        batch_op.drop_column("state_changed_at")
        batch_op.drop_column("state_reason_text")
