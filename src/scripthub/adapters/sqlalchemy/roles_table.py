"""The `roles` and `permissions` tables, who holds which role and which permissions each
role grants; and new rows of them."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    text,
)

from scripthub.adapters.sqlalchemy.columns import timestamps, user_fk
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import without_nul
from scripthub.adapters.sqlalchemy.utc import UtcDateTime

if TYPE_CHECKING:
    from datetime import datetime

    from scripthub.domain.roles import Permission, Role

roles = Table(
    "roles",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", Text(), nullable=False, unique=True),
    Column("description", Text(), nullable=False),
    Column("system", Boolean(), nullable=False),
    # Bumped whenever the role's permissions change, so cached grants can be invalidated.
    Column("version", Integer(), nullable=False, server_default=text("1")),
    *timestamps(),
)

permissions = Table(
    "permissions",
    metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", Text(), nullable=False, unique=True),
    Column("description", Text(), nullable=False),
    Column("resource", Text(), nullable=False),
    Column("action", Text(), nullable=False),
    *timestamps(),
)

user_roles = Table(
    "user_roles",
    metadata,
    user_fk(index=False),
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


def role_values(role: Role, now: datetime) -> dict[str, Any]:
    """A new `roles` row (without permissions: those are rows of `role_permissions`)."""
    return without_nul(
        {
            "id": uuid.uuid4(),
            "name": role.name,
            "description": role.description,
            "system": role.system,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )


def permission_values(permission: Permission, now: datetime) -> dict[str, Any]:
    return without_nul(
        {
            "id": uuid.uuid4(),
            "name": permission.name,
            "description": permission.description,
            "resource": permission.resource,
            "action": permission.action,
            "created_at": now,
            "updated_at": now,
        }
    )
