"""Roles and permissions (`resource.action`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scripthub.domain.errors import ValidationError
from scripthub.domain.text import control_character_problem

PERMISSION_PATTERN = re.compile(r"^([a-z][a-z0-9_]{0,31})\.([a-z][a-z0-9_]{0,31})$")
ROLE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")

DEFAULT_ROLE = "user"


@dataclass(frozen=True)
class Permission:
    name: str
    description: str

    @property
    def resource(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def action(self) -> str:
        return self.name.split(".", 1)[1]


@dataclass
class Role:
    name: str
    description: str
    system: bool
    permissions: list[str]


@dataclass(frozen=True)
class Grants:
    """What a user may do: their role names and the union of those roles' permissions."""

    roles: frozenset[str]
    permissions: frozenset[str]

    def allows(self, permission: str) -> bool:
        return permission in self.permissions


MAX_DESCRIPTION_LENGTH = 255
SUPERUSER_ROLE = "admin"
"""Holds every permission, including each new one; its permissions cannot be edited."""


def check_description(description: str) -> str:
    text = description.strip()
    problem = control_character_problem(text)
    if problem:
        raise ValidationError.single("description", problem)
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError.single(
            "description", f"must be at most {MAX_DESCRIPTION_LENGTH} characters"
        )
    return text


def check_permission_name(name: str) -> str:
    if not PERMISSION_PATTERN.fullmatch(name):
        raise ValidationError.single("name", "must look like 'resource.action' (a-z, 0-9, '_')")
    return name


def is_role_name(name: str) -> bool:
    return ROLE_PATTERN.fullmatch(name) is not None


def check_role_name(name: str) -> str:
    if not ROLE_PATTERN.fullmatch(name):
        raise ValidationError.single("name", "must be 2 to 32 characters of a-z, 0-9 and '_'")
    return name


# The permissions the code checks, one constant each: use these, never the strings.
SCRIPTS_CREATE = Permission("scripts.create", "Publish new scripts")
SCRIPTS_READ = Permission("scripts.read", "Read scripts")
SCRIPTS_UPDATE_ANY = Permission("scripts.update_any", "Edit any script")
SCRIPTS_DELETE_ANY = Permission("scripts.delete_any", "Delete any script")
SCRIPTS_FEATURED = Permission("scripts.featured", "Feature scripts")
SCRIPTS_MODERATE = Permission(
    "scripts.moderate", "Resolve reports, review held versions, take scripts down"
)
USERS_READ = Permission("users.read", "List and search users")
USERS_MANAGE = Permission("users.manage", "Suspend and reactivate users")
ROLES_READ = Permission("roles.read", "List roles and permissions")
ROLES_MANAGE = Permission("roles.manage", "Create, change and delete roles and permissions")
ROLES_ASSIGN = Permission("roles.assign", "Assign and revoke roles")
AUDIT_READ = Permission("audit.read", "Read the audit trail")
API_ADVANCED = Permission("api.advanced", "Use advanced API features")

SEEDED_PERMISSIONS: tuple[Permission, ...] = (
    SCRIPTS_CREATE,
    SCRIPTS_READ,
    SCRIPTS_UPDATE_ANY,
    SCRIPTS_DELETE_ANY,
    SCRIPTS_FEATURED,
    SCRIPTS_MODERATE,
    USERS_READ,
    USERS_MANAGE,
    ROLES_READ,
    ROLES_MANAGE,
    ROLES_ASSIGN,
    AUDIT_READ,
    API_ADVANCED,
)

SEEDED_ROLES: tuple[Role, ...] = (
    Role(
        "user", "Every registered user", system=True, permissions=["scripts.create", "scripts.read"]
    ),
    Role(
        "premium_user",
        "Premium user with additional features",
        system=True,
        permissions=["scripts.create", "scripts.read", "scripts.featured", "api.advanced"],
    ),
    Role(
        "moderator",
        "Keeps the catalogue clean",
        system=True,
        permissions=[
            "scripts.create",
            "scripts.read",
            "scripts.update_any",
            "scripts.delete_any",
            "scripts.featured",
            "scripts.moderate",
            "users.read",
            "audit.read",
        ],
    ),
    Role(
        "admin",
        "Runs the place: every permission",
        system=True,
        permissions=[p.name for p in SEEDED_PERMISSIONS],
    ),
)

LOCKOUT_PERMISSION = ROLES_MANAGE
"""Somebody active must always hold this, or nobody could repair the role system."""
