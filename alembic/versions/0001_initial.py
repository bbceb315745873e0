"""Initial schema, with the seeded roles and permissions.

Accounts and profiles, sign-in methods, roles and permissions, sessions and rotated refresh
tokens, email tokens and the audit trail.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import SchemaItem

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Every constraint and index is named through op.f(): the names are final, and the target
# metadata's naming convention must not rewrite them.
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
LIVE_ACCOUNT = sa.text("account_status <> 'deleted'")

# The data as it was when this revision was written; later changes need their own revision.
PERMISSIONS = (
    ("fdbe83a9-3316-51d7-8d18-7aa97298ed22", "scripts.create", "Publish new scripts"),
    ("d425fc45-9920-5e24-912d-da1640862cdd", "scripts.read", "Read scripts"),
    ("ff07b847-25c8-54bd-9a8a-ba611f2da4dd", "scripts.update_any", "Edit any script"),
    ("ac2c97d7-fb95-5c67-935c-2c9203bf492e", "scripts.delete_any", "Delete any script"),
    ("69a04ff7-5285-5e61-ad47-32ca41c5ca26", "scripts.featured", "Feature scripts"),
    ("ed13f330-0e30-533c-a716-fab39418d14c", "users.read", "List and search users"),
    ("a173c743-7e32-5710-94bb-c52198a9aad4", "users.manage", "Suspend and reactivate users"),
    ("cdaa9b45-ace5-580f-8d66-0216bde5130e", "roles.read", "List roles and permissions"),
    (
        "51fa8c5f-0c60-5187-9f72-6389cadee143",
        "roles.manage",
        "Create, change and delete roles and permissions",
    ),
    ("5715a218-b541-5241-ad24-8290dbdcaf03", "roles.assign", "Assign and revoke roles"),
    ("a5df8c0c-43c4-5f7c-9890-b2162c5a0e38", "audit.read", "Read the audit trail"),
    ("f805bd9b-fc36-54fd-90d0-493a54fa8713", "api.advanced", "Use advanced API features"),
)

ROLES = (
    (
        "4bd37595-2608-5849-a1de-d89d970dfd4a",
        "user",
        "Every registered user",
        ("scripts.create", "scripts.read"),
    ),
    (
        "b66836f0-4959-5396-af6a-ea15b5a78e29",
        "premium_user",
        "Premium user with additional features",
        ("scripts.create", "scripts.read", "scripts.featured", "api.advanced"),
    ),
    (
        "949ac22a-1177-54da-90d0-247ed8121819",
        "moderator",
        "Keeps the catalogue clean",
        (
            "scripts.create",
            "scripts.read",
            "scripts.update_any",
            "scripts.delete_any",
            "scripts.featured",
            "users.read",
            "audit.read",
        ),
    ),
    (
        "3448466f-8a31-5519-bbb0-e50e2ca76399",
        "admin",
        "Runs the place: every permission",
        tuple(name for _, name, _ in PERMISSIONS),
    ),
)


def _timestamps() -> list[sa.Column[datetime]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _user_fk(table: str) -> list[SchemaItem]:
    return [
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    _create_accounts()
    _create_access_control()
    _create_sessions_and_tokens()
    _create_audit_logs()
    _seed_roles_and_permissions()


def _create_accounts() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_status", sa.String(16), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.CheckConstraint(
            "account_status IN ('active', 'suspended', 'deleted')",
            name=op.f("ck_users_account_status"),
        ),
    )
    for column in ("email", "username"):
        op.create_index(
            op.f(f"uq_users_{column}_live"),
            "users",
            [column],
            unique=True,
            sqlite_where=LIVE_ACCOUNT,
            postgresql_where=LIVE_ACCOUNT,
        )
    op.create_table(
        "user_profiles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_profiles")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "auth_providers",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_user_fk("auth_providers"),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_user_id", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("provider_data", JSON_DOCUMENT, nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_providers")),
        sa.CheckConstraint(
            "provider IN ('email', 'discord', 'google', 'github')",
            name=op.f("ck_auth_providers_provider"),
        ),
        sa.UniqueConstraint(
            "provider", "provider_user_id", name=op.f("uq_auth_providers_provider_provider_user_id")
        ),
    )
    op.create_index(op.f("ix_auth_providers_user_id"), "auth_providers", ["user_id"])


def _create_access_control() -> None:
    op.create_table(
        "roles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("system", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_roles_name")),
    )
    op.create_table(
        "permissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permissions")),
        sa.UniqueConstraint("name", name=op.f("uq_permissions_name")),
    )
    op.create_table(
        "user_roles",
        *_user_fk("user_roles"),
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_user_roles")),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_user_roles_role_id_roles"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_user_roles_role_id"), "user_roles", ["role_id"])
    op.create_table(
        "role_permissions",
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.Column("permission_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("role_id", "permission_id", name=op.f("pk_role_permissions")),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_role_permissions_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["permission_id"],
            ["permissions.id"],
            name=op.f("fk_role_permissions_permission_id_permissions"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_role_permissions_permission_id"), "role_permissions", ["permission_id"]
    )


def _create_sessions_and_tokens() -> None:
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_user_fk("refresh_tokens"),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("ip_address", sa.Text(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"])
    op.create_table(
        "rotated_refresh_tokens",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_rotated_refresh_tokens")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["refresh_tokens.id"],
            name=op.f("fk_rotated_refresh_tokens_session_id_refresh_tokens"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_rotated_refresh_tokens_session_id"), "rotated_refresh_tokens", ["session_id"]
    )
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        *_user_fk("email_tokens"),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_tokens_token_hash")),
        sa.CheckConstraint(
            "purpose IN ('verify_email', 'reset_password')", name=op.f("ck_email_tokens_purpose")
        ),
    )
    op.create_index(op.f("ix_email_tokens_user_id"), "email_tokens", ["user_id"])


def _create_audit_logs() -> None:
    op.create_table(
        "audit_logs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=True),
        sa.Column("resource_id", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("ip_address", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("metadata", JSON_DOCUMENT, nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_logs")),
        sa.CheckConstraint(
            "outcome IN ('success', 'failure', 'denied')", name=op.f("ck_audit_logs_outcome")
        ),
    )
    op.create_index(op.f("ix_audit_logs_occurred_at"), "audit_logs", ["occurred_at"])
    op.create_index(
        op.f("ix_audit_logs_actor_id_occurred_at"), "audit_logs", ["actor_id", "occurred_at"]
    )
    op.create_index(
        op.f("ix_audit_logs_action_occurred_at"), "audit_logs", ["action", "occurred_at"]
    )
    op.create_index(
        op.f("ix_audit_logs_resource_type_resource_id"),
        "audit_logs",
        ["resource_type", "resource_id"],
    )


def _seed_roles_and_permissions() -> None:
    now = datetime.now(UTC)
    permission_table = sa.table(
        "permissions",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.Text()),
        sa.column("description", sa.Text()),
        sa.column("resource", sa.Text()),
        sa.column("action", sa.Text()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    role_table = sa.table(
        "roles",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.Text()),
        sa.column("description", sa.Text()),
        sa.column("system", sa.Boolean()),
        sa.column("version", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    grant_table = sa.table(
        "role_permissions",
        sa.column("role_id", sa.Uuid()),
        sa.column("permission_id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    permission_ids = {name: uuid.UUID(id_) for id_, name, _ in PERMISSIONS}
    op.bulk_insert(
        permission_table,
        [
            {
                "id": permission_ids[name],
                "name": name,
                "description": description,
                "resource": name.split(".")[0],
                "action": name.split(".")[1],
                "created_at": now,
                "updated_at": now,
            }
            for _, name, description in PERMISSIONS
        ],
    )
    op.bulk_insert(
        role_table,
        [
            {
                "id": uuid.UUID(id_),
                "name": name,
                "description": description,
                "system": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for id_, name, description, _ in ROLES
        ],
    )
    op.bulk_insert(
        grant_table,
        [
            {"role_id": uuid.UUID(id_), "permission_id": permission_ids[name], "created_at": now}
            for id_, _, _, granted in ROLES
            for name in granted
        ],
    )


def downgrade() -> None:
    for table in (
        "audit_logs",
        "email_tokens",
        "rotated_refresh_tokens",
        "refresh_tokens",
        "role_permissions",
        "user_roles",
        "permissions",
        "roles",
        "auth_providers",
        "user_profiles",
        "users",
    ):
        op.drop_table(table)
