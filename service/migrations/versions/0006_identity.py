"""A person's identity (first and last name, phone, e-mail, the folded name a caseload search
compares) and whether an offer asks for a qualification.

Revision ID: 0006_identity
Revises: 0005_feed_mail
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_identity"
down_revision: str | None = "0005_feed_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("last_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("name_key", sa.String(length=210), nullable=True))
        batch_op.create_index(batch_op.f("ix_candidates_name_key"), ["name_key"], unique=False)
    with op.batch_alter_table("offers", schema=None) as batch_op:
        # Offers recorded before this revision are taken to ask for a qualification (the safe
        # reading): only people with a related target job are ranked on them.
        batch_op.add_column(
            sa.Column("needs_qualification", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("needs_qualification")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_name_key"))
        batch_op.drop_column("name_key")
        batch_op.drop_column("email")
        batch_op.drop_column("phone")
        batch_op.drop_column("last_name")
        batch_op.drop_column("first_name")
