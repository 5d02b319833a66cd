"""Shown pairs follow a deleted offer or account by triggers instead of reference checks.

Every shortlist read writes twenty shown pairs (``exposures``). Each row's three foreign keys
made PostgreSQL look up and share-lock the referenced person, offer and account: a pair cost
60 microseconds of the database's time in a bulk insert at 100,000 people, 40 with the
person's check only, 26 with none; the largest share of the database's work per read. The
service never deletes an offer or an account (offers are closed, accounts
deactivated), so the two checks of the offer and of the account guarded only against a
deletion by hand. Triggers now do what ``ON DELETE`` did for those: the pairs of a deleted
offer go with it, a deleted account's pairs keep no reader. The person's foreign key stays:
an erased person's pairs go with them, and none can be written after the erasure.

Revision ID: 0015_exposure_followers
Revises: 0014_data_versions
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_exposure_followers"
down_revision: str | None = "0014_data_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (referenced table, exposures column, what follows a deletion, old constraint, ON DELETE)
_FOLLOWERS = (
    (
        "offers",
        "offer_id",
        "DELETE FROM exposures WHERE offer_id = OLD.id",
        "fk_exposures_offer_id_offers",
        "CASCADE",
    ),
    (
        "users",
        "shown_to",
        "UPDATE exposures SET shown_to = NULL WHERE shown_to = OLD.id",
        "fk_exposures_shown_to_users",
        "SET NULL",
    ),
)


def _name(table: str) -> str:
    return f"exposures_follow_{table}"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("exposures") as batch:
        for _, _, _, constraint, _ in _FOLLOWERS:
            batch.drop_constraint(constraint, type_="foreignkey")
    for table, _, statement, _, _ in _FOLLOWERS:
        if postgresql:
            op.execute(
                f"CREATE FUNCTION {_name(table)}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {statement}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {_name(table)} AFTER DELETE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION {_name(table)}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {_name(table)} AFTER DELETE ON {table} BEGIN {statement}; END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, _, _, _, _ in _FOLLOWERS:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table)} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {_name(table)}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table)}")
    with op.batch_alter_table("exposures") as batch:
        for table, column, _, constraint, ondelete in _FOLLOWERS:
            batch.create_foreign_key(constraint, table, [column], ["id"], ondelete=ondelete)
