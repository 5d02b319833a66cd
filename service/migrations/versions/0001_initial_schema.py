"""Initial schema: users, candidates (+ jobs, licences, reporting), clause structure, offers,
match runs, proposals, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "buyers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyers")),
        sa.UniqueConstraint("external_id", name=op.f("uq_buyers_external_id")),
        sa.UniqueConstraint("name", name=op.f("uq_buyers_name")),
        sa.UniqueConstraint("siret", name=op.f("uq_buyers_siret")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_form", sa.String(length=32), nullable=True),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("sector", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("siret", name=op.f("uq_companies_siret")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('coach', 'facilitator', 'admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_users_token_hash")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_log_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_user_id"), ["user_id"], unique=False)

    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("has_vehicle", sa.Boolean(), nullable=False),
        sa.Column("travel_mode", sa.String(length=20), nullable=False),
        sa.Column("max_distance_km", sa.Float(), nullable=True),
        sa.Column("max_travel_minutes", sa.Float(), nullable=True),
        sa.Column("readiness_stage", sa.String(length=20), nullable=False),
        sa.Column("readiness_assessed_on", sa.Date(), nullable=False),
        sa.Column("available_from", sa.Date(), nullable=False),
        sa.Column("max_weekly_hours", sa.Float(), nullable=False),
        sa.Column("accepts_nights", sa.Boolean(), nullable=False),
        sa.Column("accepts_weekends", sa.Boolean(), nullable=False),
        sa.Column("accepts_early_starts", sa.Boolean(), nullable=False),
        sa.Column("is_eligible", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_in_clause_job", sa.Boolean(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "readiness_stage IN ('diagnostic', 'en_parcours', 'pret_emploi')",
            name=op.f("ck_candidates_readiness_stage"),
        ),
        sa.CheckConstraint(
            "travel_mode IN ('voiture', 'deux_roues', 'transport_commun', 'velo', 'marche')",
            name=op.f("ck_candidates_travel_mode"),
        ),
        sa.CheckConstraint(
            "max_distance_km IS NULL OR max_distance_km >= 0",
            name=op.f("ck_candidates_max_distance_km"),
        ),
        sa.CheckConstraint(
            "max_travel_minutes IS NULL OR max_travel_minutes >= 0",
            name=op.f("ck_candidates_max_travel_minutes"),
        ),
        sa.CheckConstraint("max_weekly_hours >= 0", name=op.f("ck_candidates_max_weekly_hours")),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["users.id"], name=op.f("fk_candidates_coach_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("external_id", name=op.f("uq_candidates_external_id")),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidates_coach_id"), ["coach_id"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("nature", sa.String(length=16), nullable=True),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "nature IS NULL OR nature IN ('travaux', 'services', 'fournitures')",
            name=op.f("ck_contracts_nature"),
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_contracts_dates")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_contracts_buyer_id_buyers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("buyer_id", "reference", name=op.f("uq_contracts_buyer_id_reference")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_buyer_id"), ["buyer_id"], unique=False)

    op.create_table(
        "match_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("n_candidates", sa.Integer(), nullable=False),
        sa.Column("n_offers", sa.Integer(), nullable=False),
        sa.Column("n_matches", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_match_runs_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_runs")),
    )
    op.create_table(
        "candidate_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("code_ogr", sa.Integer(), nullable=True),
        sa.Column("code_rome", sa.String(length=5), nullable=False),
        sa.Column("experience_years", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "experience_years >= 0", name=op.f("ck_candidate_jobs_experience_years")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_jobs_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_jobs")),
    )
    with op.batch_alter_table("candidate_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidate_jobs_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_candidate_jobs_code_rome"), ["code_rome"], unique=False
        )

    op.create_table(
        "candidate_licences",
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_licences_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", "code", name=op.f("pk_candidate_licences")),
    )
    with op.batch_alter_table("candidate_licences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidate_licences_code"), ["code"], unique=False)

    op.create_table(
        "candidate_reporting",
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("education_level", sa.String(length=16), nullable=True),
        sa.Column("labour_status", sa.String(length=32), nullable=True),
        sa.Column("disability_recognised", sa.Boolean(), nullable=True),
        sa.Column("rsa_beneficiary", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "education_level IS NULL OR education_level IN ('ISCED_0_2', 'ISCED_3_4', 'ISCED_5_8')",
            name=op.f("ck_candidate_reporting_education_level"),
        ),
        sa.CheckConstraint(
            "labour_status IS NULL OR labour_status IN ('unemployed', 'long_term_unemployed', 'inactive', 'employed')",  # noqa: E501
            name=op.f("ck_candidate_reporting_labour_status"),
        ),
        sa.CheckConstraint(
            "sex IS NULL OR sex IN ('F', 'M')", name=op.f("ck_candidate_reporting_sex")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_reporting_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_candidate_reporting")),
    )
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("trade", sa.String(length=200), nullable=False),
        sa.Column("code_rome", sa.String(length=5), nullable=True),
        sa.Column("insertion_hours", sa.Float(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_lots_dates")
        ),
        sa.CheckConstraint("insertion_hours >= 0", name=op.f("ck_lots_insertion_hours")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_lots_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_lots_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("contract_id", "number", name=op.f("uq_lots_contract_id_number")),
        sa.UniqueConstraint("reference", name=op.f("uq_lots_reference")),
    )
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lots_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lots_contract_id"), ["contract_id"], unique=False)

    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("intitule", sa.String(length=300), nullable=False),
        sa.Column("code_ogr", sa.Integer(), nullable=True),
        sa.Column("code_rome", sa.String(length=5), nullable=True),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("experience_years_required", sa.Float(), nullable=False),
        sa.Column("weekly_hours", sa.Float(), nullable=False),
        sa.Column("has_nights", sa.Boolean(), nullable=False),
        sa.Column("has_weekends", sa.Boolean(), nullable=False),
        sa.Column("has_early_starts", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("contract_type", sa.String(length=16), nullable=False),
        sa.Column("open_positions", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "contract_type IN ('CDI', 'CDD', 'INTERIM', 'CDDI', 'PRO', 'APPRENTISSAGE', 'AUTRE')",
            name=op.f("ck_offers_contract_type"),
        ),
        sa.CheckConstraint(
            "source IN ('manual', 'orne_emploi', 'france_travail', 'demo')",
            name=op.f("ck_offers_source"),
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_offers_status")),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_offers_dates")
        ),
        sa.CheckConstraint(
            "experience_years_required >= 0", name=op.f("ck_offers_experience_years_required")
        ),
        sa.CheckConstraint("open_positions >= 1", name=op.f("ck_offers_open_positions")),
        sa.CheckConstraint("weekly_hours >= 0", name=op.f("ck_offers_weekly_hours")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_offers_company_id_companies")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_offers_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("external_id", name=op.f("uq_offers_external_id")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_code_rome"), ["code_rome"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index("ix_offers_status_start_date", ["status", "start_date"], unique=False)

    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 1", name=op.f("ck_matches_score")),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_matches_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_matches_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["match_runs.id"],
            name=op.f("fk_matches_run_id_match_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
        sa.UniqueConstraint(
            "run_id",
            "offer_id",
            "candidate_id",
            name=op.f("uq_matches_run_id_offer_id_candidate_id"),
        ),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matches_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_offer_id"), ["offer_id"], unique=False)

    op.create_table(
        "offer_licences",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name=op.f("fk_offer_licences_offer_id_offers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("offer_id", "code", name=op.f("pk_offer_licences")),
    )
    with op.batch_alter_table("offer_licences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_licences_code"), ["code"], unique=False)

    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("components", sa.JSON(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('proposed', 'validated', 'refused', 'presented', 'hired', 'not_retained', 'in_post', 'ended', 'obsolete')",  # noqa: E501
            name=op.f("ck_proposals_state"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_proposals_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_proposals_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_proposals_proposed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposals_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_proposals_offer_id"), ["offer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_offer_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_candidate_id"))

    op.drop_table("proposals")
    with op.batch_alter_table("offer_licences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_licences_code"))

    op.drop_table("offer_licences")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matches_offer_id"))
        batch_op.drop_index(batch_op.f("ix_matches_candidate_id"))

    op.drop_table("matches")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index("ix_offers_status_start_date")
        batch_op.drop_index(batch_op.f("ix_offers_lot_id"))
        batch_op.drop_index(batch_op.f("ix_offers_company_id"))
        batch_op.drop_index(batch_op.f("ix_offers_code_rome"))

    op.drop_table("offers")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lots_contract_id"))
        batch_op.drop_index(batch_op.f("ix_lots_company_id"))

    op.drop_table("lots")
    op.drop_table("candidate_reporting")
    with op.batch_alter_table("candidate_licences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_licences_code"))

    op.drop_table("candidate_licences")
    with op.batch_alter_table("candidate_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_jobs_code_rome"))
        batch_op.drop_index(batch_op.f("ix_candidate_jobs_candidate_id"))

    op.drop_table("candidate_jobs")
    op.drop_table("match_runs")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_buyer_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_coach_id"))

    op.drop_table("candidates")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_user_id"))
        batch_op.drop_index("ix_audit_log_entity")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    op.drop_table("users")
    op.drop_table("companies")
    op.drop_table("buyers")
