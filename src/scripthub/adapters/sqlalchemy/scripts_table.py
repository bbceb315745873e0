"""The `scripts`, `script_versions`, `script_tags` and `script_ratings` tables, and their rows
as domain objects and back.

The full-text index (`script_search`) is not on the shared metadata: it is a different kind
of table on each backend (see `scripts_search`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    and_,
    exists,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql

from scripthub.adapters.sqlalchemy.columns import JsonDocument, timestamps, user_fk
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.users_table import users
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.scripts import (
    Language,
    LocalizedText,
    Script,
    ScriptVersion,
    VersionSummary,
    Visibility,
)
from scripthub.domain.takedowns import Takedown, TakedownMode
from scripthub.domain.users import AccountStatus
from scripthub.domain.version_review import VersionReview, VersionStatus

if TYPE_CHECKING:
    import uuid

    from sqlalchemy import ColumnElement

    from scripthub.adapters.sqlalchemy.rows import ColumnValues
    from scripthub.domain.sites import SiteTargets

# Compared byte by byte (code point order) on PostgreSQL too, as on SQLite and in Python,
# whatever the database's collation.
SortText = Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")

scripts = Table(
    "scripts",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "owner_id",
        Uuid(),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("slug", Text(), nullable=False),
    Column("name", Text(), nullable=False),
    Column("name_key", SortText, nullable=False),
    Column("description", Text(), nullable=False),
    Column("language", String(16), nullable=False),
    Column("license", Text()),
    Column("visibility", String(16), nullable=False),
    Column("tags", JsonDocument, nullable=False),
    Column("featured", Boolean(), nullable=False),
    Column("antifeatures", JsonDocument, nullable=False),
    Column("localized", JsonDocument, nullable=False),
    Column("install_count", BigInteger(), nullable=False),
    Column("rating_sum", Integer(), nullable=False),
    Column("rating_count", Integer(), nullable=False),
    Column("rating_avg", Double(), nullable=False),
    Column("latest_version", Text()),
    Column("latest_version_at", UtcDateTime()),
    Column("latest_sha256", String(64)),
    *timestamps(),
    Column("deleted_at", UtcDateTime()),
    # How moderation took the script down (`domain.takedowns`); NULL unless it did.
    Column("takedown", String(16)),
    Column("redirect_to", Uuid()),
    CheckConstraint(
        "language IN ('lua', 'javascript', 'typescript', 'python', 'css', 'shell', 'other')",
        name="language",
    ),
    CheckConstraint("visibility IN ('public', 'unlisted', 'private')", name="visibility"),
    CheckConstraint("install_count >= 0", name="install_count"),
    CheckConstraint("rating_count >= 0", name="rating_count"),
    CheckConstraint(
        "takedown IS NULL OR takedown IN ('keep', 'redirect', 'blank')", name="takedown"
    ),
    CheckConstraint("(takedown = 'redirect') = (redirect_to IS NOT NULL)", name="redirect_to"),
    # One's own scripts, newest first; also the index of the owner foreign key.
    Index("ix_scripts_owner_id_created_at_id", "owner_id", "created_at", "id"),
)

# Literals, not bound parameters, so that PostgreSQL can prove that a query's filter implies
# the predicates of the partial indexes, even in generic prepared plans.
LIVE = scripts.c.deleted_at.is_(None)
PUBLIC = scripts.c.visibility == literal_column("'public'")
LISTED = and_(PUBLIC, LIVE)
WITH_OWNER = select(scripts, users.c.username, users.c.account_status).join(
    users, users.c.id == scripts.c.owner_id
)
"""Scripts with what reads show of their owner (`script_from_row` reads it)."""
_owner = users.alias("owner")


def owner_active(owner_id: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """Whether the user `owner_id` names is active: correlated on the owner's id alone
    (hence the alias), so that it also filters the subqueries of a search, which do not
    join `users`."""
    return exists().where(
        _owner.c.id == owner_id, _owner.c.account_status == literal_column("'active'")
    )


OWNER_ACTIVE = owner_active(scripts.c.owner_id)


def featured_is(*, value: bool) -> ColumnElement[bool]:
    return scripts.c.featured == literal_column("true" if value else "false")


# Deleted scripts free their slug.
Index("uq_scripts_slug_live", scripts.c.slug, unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def _catalogue_index(name: str, *columns: Column[Any], where: Any = LISTED) -> None:
    """A partial index over the public, live scripts, for one order of the catalogue."""
    Index(name, *columns, scripts.c.id, sqlite_where=where, postgresql_where=where)


_catalogue_index("ix_scripts_listed_created_at_id", scripts.c.created_at)
_catalogue_index("ix_scripts_listed_updated_at_id", scripts.c.updated_at)
_catalogue_index("ix_scripts_listed_install_count_id", scripts.c.install_count)
_catalogue_index("ix_scripts_listed_rating_avg_id", scripts.c.rating_avg)
_catalogue_index("ix_scripts_listed_name_key_id", scripts.c.name_key)
_catalogue_index(
    "ix_scripts_listed_language_created_at_id", scripts.c.language, scripts.c.created_at
)
_catalogue_index(
    "ix_scripts_listed_featured_created_at_id",
    scripts.c.created_at,
    where=and_(LISTED, featured_is(value=True)),
)


def _script_fk() -> Column[Any]:
    """`script_id`, whose rows go when their script goes."""
    return Column("script_id", Uuid(), ForeignKey("scripts.id", ondelete="CASCADE"), nullable=False)


script_versions = Table(
    "script_versions",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _script_fk(),
    Column("version", Text(), nullable=False),
    Column("changelog", Text()),
    Column("code", Text(), nullable=False),
    Column("size", Integer(), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("metadata", JsonDocument),
    Column("widened", JsonDocument),
    *timestamps(),
    # Review of risky updates (`domain.version_review`): only `published` is ever served.
    Column("status", String(16), nullable=False, server_default="published"),
    Column("reviewed_by", Uuid(), ForeignKey("users.id", ondelete="SET NULL"), index=True),
    Column("reviewed_at", UtcDateTime()),
    Column("review_note", Text()),
    # Also the index of the script foreign key.
    UniqueConstraint("script_id", "version"),
    Index("ix_script_versions_script_id_created_at_id", "script_id", "created_at", "id"),
    # The moderators' queue: held versions, oldest first.
    Index("ix_script_versions_status_created_at_id", "status", "created_at", "id"),
    CheckConstraint(
        "status IN ('published', 'held_for_review', 'rejected')", name="version_status"
    ),
)

script_tags = Table(
    "script_tags",
    metadata,
    _script_fk(),
    Column("tag", Text(), nullable=False),
    # Copies of the script's sort keys and of whether it is listed (`TAG_COPIES`), so that
    # a tag's page in any order is a walk of one index, whatever share of the catalogue
    # the tag has (bench/README.md).
    *timestamps(),
    Column("install_count", BigInteger(), nullable=False),
    Column("rating_avg", Double(), nullable=False),
    Column("name_key", SortText, nullable=False),
    Column("listed", Boolean(), nullable=False),
    PrimaryKeyConstraint("script_id", "tag"),
    Index("ix_script_tags_tag_script_id", "tag", "script_id"),
)

TAG_COPIES: dict[str, ColumnElement[Any]] = {
    "created_at": scripts.c.created_at,
    "updated_at": scripts.c.updated_at,
    "install_count": scripts.c.install_count,
    "rating_avg": scripts.c.rating_avg,
    "name_key": scripts.c.name_key,
    "listed": LISTED,
}
"""What each `script_tags` row copies of its script, as the script's columns: kept in step,
in the same transaction, by every writer of them (`SqlAlchemyScriptRepository`)."""

TAG_LISTED = script_tags.c.listed == literal_column("true")
"""The rows of a listed script (a literal, as `LISTED`: the partial indexes' predicate)."""


def _tag_index(name: str, key: Column[Any]) -> None:
    """A partial index over the rows of listed scripts, for one order of a tag's scripts."""
    where = TAG_LISTED
    Index(
        name,
        script_tags.c.tag,
        key,
        script_tags.c.script_id,
        sqlite_where=where,
        postgresql_where=where,
    )


_tag_index("ix_script_tags_listed_tag_created_at_script_id", script_tags.c.created_at)
_tag_index("ix_script_tags_listed_tag_updated_at_script_id", script_tags.c.updated_at)
_tag_index("ix_script_tags_listed_tag_install_count_script_id", script_tags.c.install_count)
_tag_index("ix_script_tags_listed_tag_rating_avg_script_id", script_tags.c.rating_avg)
_tag_index("ix_script_tags_listed_tag_name_key_script_id", script_tags.c.name_key)

EVERYWHERE = "*"
"""The `host` of the row of a script that runs on every site."""

script_sites = Table(
    "script_sites",
    metadata,
    _script_fk(),
    Column("host", Text(), nullable=False),
    Column("subdomains", Boolean(), nullable=False),
    PrimaryKeyConstraint("script_id", "host", "subdomains"),
    Index("ix_script_sites_host_subdomains_script_id", "host", "subdomains", "script_id"),
)


def site_rows(script_id: uuid.UUID, sites: SiteTargets) -> list[dict[str, Any]]:
    """The `script_sites` rows of a script running on `sites`."""
    rows = [{"host": host, "subdomains": False} for host in sorted(sites.hosts)]
    rows += [{"host": host, "subdomains": True} for host in sorted(sites.domains)]
    if sites.everywhere:
        rows.append({"host": EVERYWHERE, "subdomains": False})
    return [{"script_id": script_id, **row} for row in rows]


script_ratings = Table(
    "script_ratings",
    metadata,
    _script_fk(),
    user_fk(),
    Column("score", SmallInteger(), nullable=False),
    *timestamps(),
    PrimaryKeyConstraint("script_id", "user_id"),
    CheckConstraint("score BETWEEN 1 AND 5", name="score"),
)

VERSION_COLUMNS = [column for column in script_versions.c if column.name != "code"]


def script_values(script: Script) -> dict[str, Any]:
    """The row of a new script: no counters, no version yet."""
    return without_nul(
        {
            "id": script.id,
            "owner_id": script.owner_id,
            "slug": script.slug,
            "name": script.name,
            "name_key": name_key(script.name),
            "description": script.description,
            "language": script.language.value,
            "license": script.license,
            "visibility": script.visibility.value,
            "tags": list(script.tags),
            "featured": script.featured,
            "antifeatures": [],
            "localized": localized_document(script.localized),
            "install_count": 0,
            "rating_sum": 0,
            "rating_count": 0,
            "rating_avg": 0.0,
            "latest_version": None,
            "latest_version_at": None,
            "latest_sha256": None,
            "created_at": script.created_at,
            "updated_at": script.updated_at,
            "deleted_at": None,
        }
    )


def localized_document(localized: dict[str, LocalizedText]) -> dict[str, dict[str, str | None]]:
    """The `localized` column's JSON object."""
    return {
        locale: {"name": text.name, "description": text.description}
        for locale, text in localized.items()
    }


def name_key(name: str) -> str:
    """What `sort=name` orders by."""
    return name.casefold()


def script_from_row(row: ColumnValues) -> Script:
    """A script from a `scripts` row with its owner's `username` and `account_status`."""
    latest = None
    if row["latest_version"] is not None:
        latest = VersionSummary(
            row["latest_version"], row["latest_version_at"], row["latest_sha256"]
        )
    return Script(
        id=row["id"],
        owner_id=row["owner_id"],
        slug=row["slug"],
        name=row["name"],
        language=Language(row["language"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=row["description"],
        license=row["license"],
        visibility=Visibility(row["visibility"]),
        tags=list(row["tags"]),
        featured=row["featured"],
        antifeatures=list(row["antifeatures"]),
        localized={
            locale: LocalizedText(text.get("name"), text.get("description"))
            for locale, text in row["localized"].items()
        },
        install_count=row["install_count"],
        rating_sum=row["rating_sum"],
        rating_count=row["rating_count"],
        latest_version=latest,
        deleted_at=row["deleted_at"],
        takedown=takedown_from_row(row),
        owner_username=row["username"],
        owner_active=row["account_status"] == AccountStatus.ACTIVE.value,
    )


def takedown_from_row(row: ColumnValues) -> Takedown | None:
    if row["takedown"] is None:
        return None
    return Takedown(TakedownMode(row["takedown"]), row["redirect_to"])


def version_values(version: ScriptVersion, code: str) -> dict[str, Any]:
    return without_nul(
        {
            "id": version.id,
            "script_id": version.script_id,
            "version": version.version,
            "changelog": version.changelog,
            "code": code,
            "size": version.size,
            "sha256": version.sha256,
            "metadata": version.metadata,
            "widened": version.widened,
            "created_at": version.created_at,
            "updated_at": version.created_at,
        }
    )


def review_values(version: ScriptVersion) -> dict[str, Any]:
    """The review columns of a new version's row (added by migration 0021: rows written
    with `version_values` alone, before it, are published)."""
    review = version.review
    return without_nul(
        {
            "status": version.status.value,
            "reviewed_by": None if review is None else review.reviewer_id,
            "reviewed_at": None if review is None else review.at,
            "review_note": None if review is None else review.note,
        }
    )


def version_from_row(row: ColumnValues) -> ScriptVersion:
    return ScriptVersion(
        id=row["id"],
        script_id=row["script_id"],
        version=row["version"],
        size=row["size"],
        sha256=row["sha256"],
        created_at=row["created_at"],
        changelog=row["changelog"],
        metadata=row["metadata"],
        widened=row["widened"],
        status=VersionStatus(row["status"]),
        review=None
        if row["reviewed_at"] is None
        else VersionReview(row["reviewed_by"], row["reviewed_at"], row["review_note"]),
    )
