"""The scripts catalogue: scripts, their versions, tags and ratings, and the search index.

The search index (`script_search`) is a tsvector table with a GIN index on PostgreSQL and an
FTS5 virtual table on SQLite; the repository keeps it in step with `scripts`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SORT_TEXT = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
LIVE = sa.text("deleted_at IS NULL")
LISTED = sa.text("visibility = 'public' AND deleted_at IS NULL")
LISTED_FEATURED = sa.text("visibility = 'public' AND deleted_at IS NULL AND featured = true")

# Partial indexes over the public, live scripts: one per order of the catalogue.
CATALOGUE_INDEXES = {
    "ix_scripts_listed_created_at_id": (["created_at", "id"], LISTED),
    "ix_scripts_listed_updated_at_id": (["updated_at", "id"], LISTED),
    "ix_scripts_listed_install_count_id": (["install_count", "id"], LISTED),
    "ix_scripts_listed_rating_avg_id": (["rating_avg", "id"], LISTED),
    "ix_scripts_listed_name_key_id": (["name_key", "id"], LISTED),
    "ix_scripts_listed_language_created_at_id": (["language", "created_at", "id"], LISTED),
    "ix_scripts_listed_featured_created_at_id": (["created_at", "id"], LISTED_FEATURED),
}


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _script_fk(table: str) -> sa.ForeignKeyConstraint:
    """`script_id`, whose rows go when their script goes."""
    return sa.ForeignKeyConstraint(
        ["script_id"],
        ["scripts.id"],
        name=op.f(f"fk_{table}_script_id_scripts"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "scripts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", SORT_TEXT, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("license", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("tags", JSON_DOCUMENT, nullable=False),
        sa.Column("featured", sa.Boolean(), nullable=False),
        sa.Column("antifeatures", JSON_DOCUMENT, nullable=False),
        sa.Column("install_count", sa.BigInteger(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("rating_avg", sa.Double(), nullable=False),
        sa.Column("latest_version", sa.Text(), nullable=True),
        sa.Column("latest_version_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_sha256", sa.String(64), nullable=True),
        *_timestamps(),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scripts")),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_scripts_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "language IN ('lua', 'javascript', 'typescript', 'python', 'css', 'shell', 'other')",
            name=op.f("ck_scripts_language"),
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'unlisted', 'private')", name=op.f("ck_scripts_visibility")
        ),
        sa.CheckConstraint("install_count >= 0", name=op.f("ck_scripts_install_count")),
        sa.CheckConstraint("rating_count >= 0", name=op.f("ck_scripts_rating_count")),
    )
    op.create_index(
        op.f("ix_scripts_owner_id_created_at_id"), "scripts", ["owner_id", "created_at", "id"]
    )
    op.create_index(
        op.f("uq_scripts_slug_live"),
        "scripts",
        ["slug"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    for name, (columns, where) in CATALOGUE_INDEXES.items():
        op.create_index(op.f(name), "scripts", columns, sqlite_where=where, postgresql_where=where)

    op.create_table(
        "script_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("script_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("changelog", sa.Text(), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("metadata", JSON_DOCUMENT, nullable=True),
        sa.Column("widened", JSON_DOCUMENT, nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_versions")),
        _script_fk("script_versions"),
        sa.UniqueConstraint(
            "script_id", "version", name=op.f("uq_script_versions_script_id_version")
        ),
    )
    op.create_index(
        op.f("ix_script_versions_script_id_created_at_id"),
        "script_versions",
        ["script_id", "created_at", "id"],
    )

    op.create_table(
        "script_tags",
        sa.Column("script_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("script_id", "tag", name=op.f("pk_script_tags")),
        _script_fk("script_tags"),
    )
    op.create_index(op.f("ix_script_tags_tag_script_id"), "script_tags", ["tag", "script_id"])

    op.create_table(
        "script_ratings",
        sa.Column("script_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("script_id", "user_id", name=op.f("pk_script_ratings")),
        _script_fk("script_ratings"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_script_ratings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_script_ratings_score")),
    )
    op.create_index(op.f("ix_script_ratings_user_id"), "script_ratings", ["user_id"])

    _create_search_index()


def _create_search_index() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_table(
            "script_search",
            sa.Column("script_id", sa.Uuid(), nullable=False),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
            sa.PrimaryKeyConstraint("script_id", name=op.f("pk_script_search")),
            _script_fk("script_search"),
        )
        op.create_index(
            op.f("ix_script_search_document"),
            "script_search",
            ["document"],
            postgresql_using="gin",
        )
    else:
        # The rowid is the repository's hash of the script id; the words are already
        # folded, so the tokenizer only splits them at the spaces.
        op.execute(
            "CREATE VIRTUAL TABLE script_search USING fts5("
            "script_id UNINDEXED, name, tags, description, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("script_search")
    else:
        op.execute("DROP TABLE script_search")
    op.drop_table("script_ratings")
    op.drop_table("script_tags")
    op.drop_table("script_versions")
    op.drop_table("scripts")
