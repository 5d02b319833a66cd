"""Exposures keep the explanation that was shown with the pair (a person's right of access
covers the explanations shown about them, not only the rank and score).

Revision ID: 0013_shown_explanations
Revises: 0012_tokens
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_shown_explanations"
down_revision: str | None = "0012_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explanation", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.drop_column("explanation")
