"""The relational schema, in SQLAlchemy Core. Alembic migrations must produce exactly this."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from scripthub.adapters.sqlalchemy.utc import UtcDateTime

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

# Explicit names keep constraints identical on SQLite and PostgreSQL, so later migrations
# (batch mode on SQLite) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def _timestamps() -> tuple[Column[datetime], Column[datetime]]:
    return (
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
    )


def _user_fk(*, index: bool = True) -> Column[uuid.UUID]:
    return Column(
        "user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=index
    )


users = Table(
    "users",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("email", Text(), nullable=False),
    Column("username", Text(), nullable=False),
    Column("password_hash", Text()),
    Column("email_verified_at", UtcDateTime()),
    Column("account_status", String(16), nullable=False),
    *_timestamps(),
    CheckConstraint("account_status IN ('active', 'suspended', 'deleted')", name="account_status"),
    # Keyset pagination, newest first (scanned backwards).
    Index("ix_users_created_at_id", "created_at", "id"),
)

# A literal, not a bound parameter, so that PostgreSQL can prove that a query's filter implies
# the predicate of the partial unique indexes and use them even in generic prepared plans.
LIVE_ACCOUNT = users.c.account_status != literal_column("'deleted'")

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
    *_timestamps(),
)

auth_providers = Table(
    "auth_providers",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _user_fk(),
    Column("provider", String(16), nullable=False),
    Column("provider_user_id", Text(), nullable=False),
    Column("email", Text()),
    Column("provider_data", JsonDocument, nullable=False),
    Column("linked_at", UtcDateTime(), nullable=False),
    *_timestamps(),
    CheckConstraint("provider IN ('email', 'discord', 'google', 'github')", name="provider"),
    UniqueConstraint("provider", "provider_user_id"),
)

roles = Table(
    "roles",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", Text(), nullable=False, unique=True),
    Column("description", Text(), nullable=False),
    Column("system", Boolean(), nullable=False),
    # Bumped whenever the role's permissions change, so cached grants can be invalidated.
    Column("version", Integer(), nullable=False, server_default=text("1")),
    *_timestamps(),
)

permissions = Table(
    "permissions",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", Text(), nullable=False, unique=True),
    Column("description", Text(), nullable=False),
    Column("resource", Text(), nullable=False),
    Column("action", Text(), nullable=False),
    *_timestamps(),
)

user_roles = Table(
    "user_roles",
    metadata,
    _user_fk(index=False),
    Column(
        "role_id",
        Uuid(),
        ForeignKey("roles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("user_id", "role_id"),
)

role_permissions = Table(
    "role_permissions",
    metadata,
    Column("role_id", Uuid(), ForeignKey("roles.id", ondelete="CASCADE"), nullable=False),
    Column(
        "permission_id",
        Uuid(),
        ForeignKey("permissions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("role_id", "permission_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _user_fk(),
    Column("token_hash", Text(), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    Column("user_agent", Text()),
    Column("ip_address", Text()),
    Column("provider", Text(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

rotated_refresh_tokens = Table(
    "rotated_refresh_tokens",
    metadata,
    Column("token_hash", Text(), primary_key=True),
    Column(
        "session_id",
        Uuid(),
        ForeignKey("refresh_tokens.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("rotated_at", UtcDateTime(), nullable=False),
)

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Uuid(), primary_key=True),
    _user_fk(index=False),
    Column("purpose", String(32), nullable=False),
    Column("token_hash", Text(), nullable=False, unique=True),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
    *_timestamps(),
    CheckConstraint("purpose IN ('verify_email', 'reset_password')", name="purpose"),
    # The newest token of a user and purpose (mail throttling); also serves the foreign key.
    Index("ix_email_tokens_user_id_purpose_created_at", "user_id", "purpose", "created_at"),
)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("recipient", Text(), nullable=False),
    Column("subject", Text(), nullable=False),
    Column("text_body", Text(), nullable=False),
    Column("html_body", Text(), nullable=False),
    Column("status", Text(), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", Text()),
    Column("sent_at", UtcDateTime()),
    *_timestamps(),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    # Claiming due mail, and listing each status newest first.
    Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_mail_outbox_status_created_at", "status", "created_at"),
)

audit_logs = Table(
    "audit_logs",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
    # No foreign key: the actor may be deleted later, or be the command line.
    Column("actor_id", Uuid()),
    Column("action", Text(), nullable=False),
    Column("resource_type", Text()),
    Column("resource_id", Text()),
    Column("outcome", String(16), nullable=False),
    Column("ip_address", Text()),
    Column("user_agent", Text()),
    Column("metadata", JsonDocument, nullable=False),
    *_timestamps(),
    CheckConstraint("outcome IN ('success', 'failure', 'denied')", name="outcome"),
    # Keyset pagination, newest first (scanned backwards), and the `since`/`until` bounds.
    Index("ix_audit_logs_occurred_at_id", "occurred_at", "id"),
    Index("ix_audit_logs_actor_id_occurred_at", "actor_id", "occurred_at"),
    Index("ix_audit_logs_action_occurred_at", "action", "occurred_at"),
    Index("ix_audit_logs_resource_type_resource_id", "resource_type", "resource_id"),
)
