"""Privacy: a person can be marked « ne pas proposer » (limitation, objection) and is dated when
anonymised.

Revision ID: 0008_privacy
Revises: 0007_exposures
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision: str = "0008_privacy"
down_revision: str | None = "0007_exposures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("do_not_propose", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("anonymised_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("do_not_propose")
