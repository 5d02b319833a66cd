"""The facilitator's desk: companies' NAF sector, their contacts, outreach events with who came
and the testimonies heard, the clause tenders a company answered.

Revision ID: 0010_desk
Revises: 0009_retention
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision: str = "0010_desk"
down_revision: str | None = "0009_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_contacts_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_contacts")),
    )
    with op.batch_alter_table("company_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_company_contacts_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "outreach_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('reunion_information', 'petit_dejeuner', 'visite_entreprise', "
            "'salon_forum', 'webinaire', 'rendez_vous', 'autre')",
            name=op.f("ck_outreach_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_outreach_events_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_events")),
    )
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outreach_events_held_on"), ["held_on"], unique=False)

    op.create_table(
        "outreach_attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "people >= 1 AND people <= 500", name=op.f("ck_outreach_attendances_people")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_outreach_attendances_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["company_contacts.id"],
            name=op.f("fk_outreach_attendances_contact_id_company_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outreach_events.id"],
            name=op.f("fk_outreach_attendances_event_id_outreach_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_attendances")),
        sa.UniqueConstraint(
            "event_id", "company_id", name=op.f("uq_outreach_attendances_event_id_company_id")
        ),
    )
    with op.batch_alter_table("outreach_attendances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_attendances_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_attendances_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "outreach_testimonies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("speaker_kind", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("may_publish", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "speaker_kind IN ('entreprise', 'salarie_insertion', 'siae', 'acheteur', 'autre')",
            name=op.f("ck_outreach_testimonies_speaker"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_outreach_testimonies_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outreach_events.id"],
            name=op.f("fk_outreach_testimonies_event_id_outreach_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_testimonies")),
    )
    with op.batch_alter_table("outreach_testimonies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_testimonies_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "tender_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('bid', 'won', 'lost')", name=op.f("ck_tender_answers_status")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_tender_answers_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_tender_answers_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_answers")),
        sa.UniqueConstraint(
            "company_id", "lot_id", name=op.f("uq_tender_answers_company_id_lot_id")
        ),
    )
    with op.batch_alter_table("tender_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tender_answers_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tender_answers_lot_id"), ["lot_id"], unique=False)

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("naf_code", sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f("ix_companies_naf_code"), ["naf_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_naf_code"))
        batch_op.drop_column("naf_code")

    with op.batch_alter_table("tender_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tender_answers_lot_id"))
        batch_op.drop_index(batch_op.f("ix_tender_answers_company_id"))

    op.drop_table("tender_answers")
    with op.batch_alter_table("outreach_testimonies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_testimonies_event_id"))

    op.drop_table("outreach_testimonies")
    with op.batch_alter_table("outreach_attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_attendances_event_id"))
        batch_op.drop_index(batch_op.f("ix_outreach_attendances_company_id"))

    op.drop_table("outreach_attendances")
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_events_held_on"))

    op.drop_table("outreach_events")
    with op.batch_alter_table("company_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_contacts_company_id"))

    op.drop_table("company_contacts")
