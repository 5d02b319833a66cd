"""France Travail feed and e-mail: refused offers awaiting resolution (refused_offers), feed
runs and the source's update date of each fed offer (feed_runs, feed_offers), per-user e-mail
preferences (notification_preferences) and the outbox (outbox_emails).

Revision ID: 0005_feed_mail
Revises: 0004_web
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision: str = "0005_feed_mail"
down_revision: str | None = "0004_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("parameters_key", sa.String(length=64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("window_end", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.CheckConstraint("status IN ('completed', 'failed')", name=op.f("ck_feed_runs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_runs")),
    )
    with op.batch_alter_table("feed_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feed_runs_source_key_status", ["source", "parameters_key", "status"], unique=False
        )

    op.create_table(
        "feed_offers",
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("source_updated_at", UTCDateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["feed_runs.id"],
            name=op.f("fk_feed_offers_run_id_feed_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source", "external_id", name=op.f("pk_feed_offers")),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("digest", sa.String(length=8), nullable=False),
        sa.Column("proposal_updates", sa.Boolean(), nullable=False),
        sa.Column("inactivity_notices", sa.Boolean(), nullable=False),
        sa.Column("waiting_reminder", sa.String(length=8), nullable=False),
        sa.Column("digest_mark", sa.Integer(), nullable=False),
        sa.Column("last_digest_at", UTCDateTime(), nullable=True),
        sa.Column("last_reminder_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "digest IN ('off', 'daily', 'weekly')", name=op.f("ck_notification_preferences_digest")
        ),
        sa.CheckConstraint(
            "waiting_reminder IN ('off', 'daily', 'weekly')",
            name=op.f("ck_notification_preferences_waiting_reminder"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "outbox_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('digest', 'proposal_update', 'waiting_reminder', 'inactivity_notice', "
            "'test')",
            name=op.f("ck_outbox_emails_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')",
            name=op.f("ck_outbox_emails_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_outbox_emails_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_emails")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_emails_dedupe_key")),
    )
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_emails_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_emails_user_id"), ["user_id"], unique=False)

    op.create_table(
        "refused_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'resolved', 'dismissed')", name=op.f("ck_refused_offers_status")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["users.id"], name=op.f("fk_refused_offers_resolved_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_offers")),
        sa.UniqueConstraint("source", "ref", name=op.f("uq_refused_offers_source_ref")),
    )
    with op.batch_alter_table("refused_offers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_refused_offers_status_last_seen_at", ["status", "last_seen_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("refused_offers", schema=None) as batch_op:
        batch_op.drop_index("ix_refused_offers_status_last_seen_at")

    op.drop_table("refused_offers")
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_emails_user_id"))
        batch_op.drop_index("ix_outbox_emails_status_next_attempt_at")

    op.drop_table("outbox_emails")
    op.drop_table("notification_preferences")
    op.drop_table("feed_offers")
    with op.batch_alter_table("feed_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_runs_source_key_status")

    op.drop_table("feed_runs")
