"""Trigram indexes for the admin user search on PostgreSQL.

`GET /api/users?q=` looks for a substring of the email or the username; without these it reads
the whole table (about 100-200 ms at 100k users). SQLite gets nothing: the embedded wiring's
scale does not need it. `pg_trgm` is a trusted extension: the database owner may create it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ("email", "username")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.execute(
            f"CREATE INDEX ix_users_{column}_trigram"
            f" ON users USING gin (lower({column}) gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.drop_index(f"ix_users_{column}_trigram", table_name="users")
