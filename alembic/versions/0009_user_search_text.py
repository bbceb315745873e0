"""The admin user search reads one generated column, `users.search_text`.

`GET /api/users?q=` looks for a substring of the username or the email. Read through two
`lower()` calls a row, a text too short for a trigram (one or two characters) took 55-80 ms
at 100k users; one stored column, the two lower-cased and joined by a newline (which no
search text may hold, so nothing matches across the two), scans in about 15 ms. On PostgreSQL
its trigram index replaces the two of 0005; SQLite computes the column as it reads it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SEARCH_TEXT = "lower(username) || '\n' || lower(email)"
OLD_COLUMNS = ("email", "username")


def upgrade() -> None:
    # SQLite adds only virtual generated columns to an existing table.
    postgresql = op.get_bind().dialect.name == "postgresql"
    computed = sa.Computed(SEARCH_TEXT, persisted=postgresql)
    op.add_column("users", sa.Column("search_text", sa.Text(), computed))
    if not postgresql:
        return
    for column in OLD_COLUMNS:
        op.drop_index(f"ix_users_{column}_trigram", table_name="users")
    op.execute(
        "CREATE INDEX ix_users_search_text_trigram ON users USING gin (search_text gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_users_search_text_trigram", table_name="users")
        for column in OLD_COLUMNS:
            op.execute(
                f"CREATE INDEX ix_users_{column}_trigram"
                f" ON users USING gin (lower({column}) gin_trgm_ops)"
            )
    op.drop_column("users", "search_text")
