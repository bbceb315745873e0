"""The `users` and `user_profiles` tables, and their rows as users and back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    literal_column,
    text,
)

from scripthub.adapters.sqlalchemy.columns import postgresql_only, timestamps
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.domain.users import AccountStatus, Profile, User

if TYPE_CHECKING:
    from scripthub.adapters.sqlalchemy.rows import ColumnValues

users = Table(
    "users",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("email", Text(), nullable=False),
    Column("username", Text(), nullable=False),
    Column("password_hash", Text()),
    Column("email_verified_at", UtcDateTime()),
    Column("account_status", String(16), nullable=False),
    Column("session_epoch", Integer(), nullable=False, server_default=text("0")),
    *timestamps(),
    # What the admin search looks in: both lower-cased, joined by a newline, which no search
    # text holds (control characters are refused), so that nothing matches across the two.
    # Stored on PostgreSQL; SQLite computes it as it reads a row (migration 0009).
    Column(
        "search_text",
        Text(),
        Computed("lower(username) || '\n' || lower(email)", persisted=True),
    ),
    CheckConstraint("account_status IN ('active', 'suspended', 'deleted')", name="account_status"),
    # Keyset pagination, newest first (scanned backwards).
    Index("ix_users_created_at_id", "created_at", "id"),
)

# A literal, not a bound parameter, so that PostgreSQL can prove that a query's filter implies
# the predicate of the partial unique indexes and use them even in generic prepared plans.
LIVE_ACCOUNT = users.c.account_status != literal_column("'deleted'")
DELETED_ACCOUNT = users.c.account_status == literal_column("'deleted'")

# Deleted accounts free their email and username.
Index(
    "uq_users_email_live",
    users.c.email,
    unique=True,
    sqlite_where=LIVE_ACCOUNT,
    postgresql_where=LIVE_ACCOUNT,
)
Index(
    "uq_users_username_live",
    users.c.username,
    unique=True,
    sqlite_where=LIVE_ACCOUNT,
    postgresql_where=LIVE_ACCOUNT,
)

# A deleted account's username stays taken for a while (`USERNAME_HELD_FOR`), by when it was
# deleted (`updated_at`): registrations look it up here (migration 0011).
Index(
    "ix_users_username_deleted",
    users.c.username,
    users.c.updated_at,
    sqlite_where=DELETED_ACCOUNT,
    postgresql_where=DELETED_ACCOUNT,
)

# The admin search finds a substring of `search_text`; on PostgreSQL a trigram index answers
# a text of three characters or more without reading the table (shorter ones, and SQLite,
# scan the one column).
postgresql_only(
    Index(
        "ix_users_search_text_trigram",
        users.c.search_text,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
)

user_profiles = Table(
    "user_profiles",
    metadata,
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("full_name", Text()),
    Column("avatar_url", Text()),
    Column("phone", Text()),
    Column("bio", Text()),
    Column("date_of_birth", Date()),
    Column("location", Text()),
    Column("website", Text()),
    *timestamps(),
)

PROFILE_COLUMNS = (
    "full_name",
    "avatar_url",
    "phone",
    "bio",
    "date_of_birth",
    "location",
    "website",
)


def user_values(user: User) -> dict[str, Any]:
    return without_nul(
        {
            "id": user.id,
            "email": user.email,
            "username": user.username,
            "password_hash": user.password_hash,
            "email_verified_at": user.email_verified_at,
            "account_status": user.account_status.value,
            "session_epoch": user.session_epoch,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
        }
    )


def profile_values(user: User) -> dict[str, Any]:
    profile = user.profile
    return without_nul(
        {
            "user_id": user.id,
            "full_name": profile.full_name,
            "avatar_url": profile.avatar_url,
            "phone": profile.phone,
            "bio": profile.bio,
            "date_of_birth": profile.date_of_birth,
            "location": profile.location,
            "website": profile.website,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
        }
    )


def user_from_row(row: ColumnValues) -> User:
    """A user from a `users` row joined with its profile's `PROFILE_COLUMNS` (a SQLAlchemy
    row mapping or an asyncpg record)."""
    return User(
        id=row["id"],
        email=row["email"],
        username=row["username"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        email_verified_at=row["email_verified_at"],
        account_status=AccountStatus(row["account_status"]),
        session_epoch=row["session_epoch"],
        profile=Profile(
            full_name=row["full_name"],
            avatar_url=row["avatar_url"],
            phone=row["phone"],
            bio=row["bio"],
            date_of_birth=row["date_of_birth"],
            location=row["location"],
            website=row["website"],
        ),
    )
