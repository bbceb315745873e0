"""Bodies and pages of the administration API: users, roles, permissions, audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar.openapi.spec import OpenAPIType, Schema

from scripthub.domain.audit import AuditEntry, Outcome
from scripthub.domain.roles import (
    MAX_DESCRIPTION_LENGTH,
    PERMISSION_PATTERN,
    ROLE_PATTERN,
    Permission,
    Role,
)
from scripthub.entrypoints.http.schemas.fields import NAME_CAP, NO_CONTROLS, documented
from scripthub.entrypoints.http.schemas.users import UserOut

Name = Annotated[str, NAME_CAP]
RoleName = Annotated[
    str,
    NAME_CAP,
    documented("A role name", pattern=ROLE_PATTERN.pattern, min_length=2, max_length=32),
]
PermissionName = Annotated[
    str,
    NAME_CAP,
    documented("A permission name, `resource.action`", pattern=PERMISSION_PATTERN.pattern),
]
RoleDescription = Annotated[
    str,
    msgspec.Meta(max_length=1024),
    documented(f"What it is for, trimmed; {NO_CONTROLS}", max_length=MAX_DESCRIPTION_LENGTH),
]


class UserPage(msgspec.Struct):
    items: list[UserOut]
    next_cursor: str | None


class StatusBody(msgspec.Struct, forbid_unknown_fields=True):
    account_status: Literal["active", "suspended"]


class RoleAssignmentBody(msgspec.Struct, forbid_unknown_fields=True):
    role: Name


class UserRolesOut(msgspec.Struct):
    roles: list[str]


class RoleOut(msgspec.Struct):
    name: str
    description: str
    permissions: list[str]
    system: bool


class RoleList(msgspec.Struct):
    items: list[RoleOut]


class NewRoleBody(msgspec.Struct, forbid_unknown_fields=True):
    name: RoleName
    description: RoleDescription = ""


class RolePermissionsBody(msgspec.Struct, forbid_unknown_fields=True):
    permissions: Annotated[
        list[Name],
        msgspec.Meta(max_length=500),
        documented(
            "Every permission the role grants, each an existing one",
            items=Schema(type=OpenAPIType.STRING, max_length=NAME_CAP.max_length),
        ),
    ]


class PermissionOut(msgspec.Struct):
    name: str
    description: str
    resource: str
    action: str


class PermissionList(msgspec.Struct):
    items: list[PermissionOut]


class NewPermissionBody(msgspec.Struct, forbid_unknown_fields=True):
    name: PermissionName
    description: RoleDescription = ""


class AuditEntryOut(msgspec.Struct):
    id: uuid.UUID
    occurred_at: datetime
    actor_id: uuid.UUID | None
    action: str
    resource_type: str | None
    resource_id: str | None
    outcome: Outcome
    ip_address: str | None
    user_agent: str | None
    metadata: dict[str, Any]


class AuditPage(msgspec.Struct):
    items: list[AuditEntryOut]
    next_cursor: str | None


def role_out(role: Role) -> RoleOut:
    return RoleOut(role.name, role.description, sorted(role.permissions), role.system)


def permission_out(permission: Permission) -> PermissionOut:
    return PermissionOut(
        permission.name, permission.description, permission.resource, permission.action
    )


def audit_entry_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        occurred_at=entry.occurred_at,
        actor_id=entry.actor_id,
        action=entry.action,
        resource_type=entry.resource_type,
        resource_id=entry.resource_id,
        outcome=entry.outcome,
        ip_address=entry.ip_address,
        user_agent=entry.user_agent,
        metadata=entry.metadata,
    )
