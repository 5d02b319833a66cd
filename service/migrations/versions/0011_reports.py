"""Placements: sub-contracting to an EA or ESAT as a delivery mode, and a training leading to a
qualification as an outcome of its own (the FSE+ counts it as a return to durable employment).

Revision ID: 0011_reports
Revises: 0010_desk (merged with part B of issue 20; 0007_exposures on its own)
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_reports"
down_revision: str | None = "0010_desk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MODES_OLD = (
    "direct_hire",
    "mise_a_disposition",
    "geiq",
    "sous_traitance_siae",
    "co_traitance_siae",
)
_MODES_NEW = (*_MODES_OLD, "ea_esat")
_OUTCOMES_OLD = ("emploi_durable", "emploi_transition", "sortie_positive", "other", "unknown")
_OUTCOMES_NEW = ("emploi_durable", "formation_qualifiante", *_OUTCOMES_OLD[1:])


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(modes: Sequence[str], outcomes: Sequence[str]) -> None:
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_placements_delivery_mode"), type_="check")
        batch_op.drop_constraint(op.f("ck_placements_outcome_at_end"), type_="check")
        batch_op.drop_constraint(op.f("ck_placements_outcome_6_months"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_placements_delivery_mode"), _in("delivery_mode", modes)
        )
        batch_op.create_check_constraint(
            op.f("ck_placements_outcome_at_end"),
            f"outcome_at_end IS NULL OR {_in('outcome_at_end', outcomes)}",
        )
        batch_op.create_check_constraint(
            op.f("ck_placements_outcome_6_months"),
            f"outcome_6_months IS NULL OR {_in('outcome_6_months', outcomes)}",
        )


def upgrade() -> None:
    _checks(_MODES_NEW, _OUTCOMES_NEW)


def downgrade() -> None:
    # Rows using the new codes fall back to the nearest old ones before the checks tighten.
    op.execute(
        "UPDATE placements SET delivery_mode = 'sous_traitance_siae' "
        "WHERE delivery_mode = 'ea_esat'"
    )
    for column in ("outcome_at_end", "outcome_6_months"):
        op.execute(
            f"UPDATE placements SET {column} = 'sortie_positive' "
            f"WHERE {column} = 'formation_qualifiante'"
        )
    _checks(_MODES_OLD, _OUTCOMES_OLD)
