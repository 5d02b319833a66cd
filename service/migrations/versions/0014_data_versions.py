"""A change counter per group of tables the engine reads, moved by triggers: a service process
checks two rows to learn whether its engine state is behind, instead of an aggregate over every
person and offer (35–70 ms at 100,000 people, once a second in every worker).

PostgreSQL: a deferred constraint trigger per row, which bumps the group's counter once per
transaction, at its commit (a transaction-local setting remembers it was done), so that the
counter's row lock is held only while the transaction commits — an import of 100,000 people
does not block a coach's edit for its whole length. SQLite (one writer at a time): plain row
triggers.

Revision ID: 0014_data_versions
Revises: 0013_shown_explanations
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_data_versions"
down_revision: str | None = "0013_shown_explanations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (a migration does not follow later edits of the models).
GROUPS: dict[str, tuple[str, ...]] = {
    "candidates": ("candidates", "candidate_jobs", "candidate_licences"),
    "offers": ("offers", "offer_licences"),
}

_PG_FUNCTION = """
CREATE FUNCTION clausematch_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('clausematch.bumped_' || TG_ARGV[0], true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('clausematch.bumped_' || TG_ARGV[0], 'on', true);
    UPDATE data_versions SET version = version + 1 WHERE name = TG_ARGV[0];
    RETURN NULL;
END
$$
"""


def _trigger(table: str) -> str:
    return f"data_version_{table}"


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    op.bulk_insert(
        sa.table("data_versions", sa.column("name"), sa.column("version")),
        [{"name": name, "version": 0} for name in GROUPS],
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(_PG_FUNCTION)
    for group, tables in GROUPS.items():
        for table in tables:
            if postgresql:
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER {_trigger(table)} "
                    f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"EXECUTE FUNCTION clausematch_bump_data_version('{group}')"
                )
                continue
            for event in ("insert", "update", "delete"):
                op.execute(
                    f"CREATE TRIGGER {_trigger(table)}_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN UPDATE data_versions SET version = version + 1 "
                    f"WHERE name = '{group}'; END"
                )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for tables in GROUPS.values():
        for table in tables:
            if postgresql:
                op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}")
                continue
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)}_{event}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS clausematch_bump_data_version()")
    op.drop_table("data_versions")
