"""Accounts: API token expiry, roles granting access to people that wait for a second person's
approval, one-time setup codes; login throttling keyed by (account, address), address and
account.

Existing tokens expire 90 days after the upgrade (the default of ``api_token_days``). Failed
logins counted before are forgotten (their key changes).

Revision ID: 0012_tokens
Revises: 0011_reports
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision: str = "0012_tokens"
down_revision: str | None = "0011_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_expires_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("pending_role", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("requested_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requested_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("setup_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("setup_code_expires_at", UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            "pending_role",
            "pending_role IS NULL OR pending_role IN ('coach', 'facilitator', 'admin')",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_users_requested_by_id_users"),
            "users",
            ["requested_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_users_setup_code_hash"), ["setup_code_hash"]
        )
    users = sa.table("users", sa.column("token_expires_at", UTCDateTime()))
    op.execute(users.update().values(token_expires_at=datetime.now(UTC) + timedelta(days=90)))

    op.execute(sa.text("DELETE FROM web_login_throttle"))
    with op.batch_alter_table("web_login_throttle", schema=None) as batch_op:
        batch_op.alter_column("username", new_column_name="key")
        batch_op.add_column(sa.Column("succeeded_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM web_login_throttle"))
    with op.batch_alter_table("web_login_throttle", schema=None) as batch_op:
        batch_op.drop_column("succeeded_at")
        batch_op.alter_column("key", new_column_name="username")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_setup_code_hash"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_users_requested_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_users_pending_role"), type_="check")
        batch_op.drop_column("setup_code_expires_at")
        batch_op.drop_column("setup_code_hash")
        batch_op.drop_column("requested_at")
        batch_op.drop_column("requested_by_id")
        batch_op.drop_column("pending_role")
        batch_op.drop_column("token_expires_at")
