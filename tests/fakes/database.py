"""The in-process relational state behind `InMemoryUnitOfWork`."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from scripthub.domain.errors import (
    ConflictError,
    EmailTakenError,
    SlugTakenError,
    UsernameTakenError,
)
from scripthub.domain.require_policy import SEEDED_PATTERNS
from scripthub.domain.roles import SEEDED_PERMISSIONS, SEEDED_ROLES, Permission, Role
from scripthub.domain.users import AccountStatus, User

if TYPE_CHECKING:
    import uuid
    from collections.abc import Awaitable, Callable, Iterable
    from datetime import datetime

    from scripthub.application.ports.keyset import Keyset
    from scripthub.domain.access_tokens import AccessToken
    from scripthub.domain.audit import AuditEntry
    from scripthub.domain.email_tokens import EmailToken
    from scripthub.domain.mail import OutboxMessage
    from scripthub.domain.providers import ProviderLink
    from scripthub.domain.scripts import Rating, Script, VersionCode
    from scripthub.domain.sites import SiteTargets


def _seeded_permissions() -> dict[str, Permission]:
    return {permission.name: permission for permission in SEEDED_PERMISSIONS}


def _seeded_roles() -> dict[str, Role]:
    return {
        role.name: Role(role.name, role.description, role.system, sorted(role.permissions))
        for role in SEEDED_ROLES
    }


class WriterLock:
    """The right to write to an `InMemoryDatabase`, held by one unit of work at a time from
    its first write until it ends, as SQLite's database lock is. Copies of the database share
    it."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._holder: object | None = None
        self._task: asyncio.Task[Any] | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> WriterLock:
        return self

    def held_by(self, holder: object) -> bool:
        return self._holder is holder

    async def acquire(self, holder: object) -> None:
        """Wait until no other unit of work holds the lock, then take it for `holder`."""
        if self._holder is holder:
            return
        task = asyncio.current_task()
        if self._holder is not None and self._task is task:
            msg = (
                "a unit of work would wait for the write lock that another one of the same task "
                "holds, forever: commit or leave that one first"
            )
            raise RuntimeError(msg)
        await self._lock.acquire()
        self._holder, self._task = holder, task

    def release(self, holder: object) -> None:
        if self._holder is holder:
            self._holder, self._task = None, None
            self._lock.release()


@dataclass
class InMemoryDatabase:
    """Every table the relational adapters keep, as dicts keyed by primary key.

    Roles and permissions start seeded, as the migrations seed them in SQL; a role keeps its
    permission names sorted. Only units of work should change a database; tests may read it
    directly.
    """

    users: dict[uuid.UUID, User] = field(default_factory=dict)
    provider_links: dict[uuid.UUID, ProviderLink] = field(default_factory=dict)
    permissions: dict[str, Permission] = field(default_factory=_seeded_permissions)
    roles: dict[str, Role] = field(default_factory=_seeded_roles)
    user_roles: dict[uuid.UUID, set[str]] = field(default_factory=dict)
    audit_entries: dict[uuid.UUID, AuditEntry] = field(default_factory=dict)
    email_tokens: dict[uuid.UUID, EmailToken] = field(default_factory=dict)
    access_tokens: dict[uuid.UUID, tuple[AccessToken, str]] = field(default_factory=dict)
    """Each token with the hash of its secret."""
    outbox: dict[uuid.UUID, OutboxMessage] = field(default_factory=dict)
    scripts: dict[uuid.UUID, Script] = field(default_factory=dict)
    script_versions: dict[uuid.UUID, VersionCode] = field(default_factory=dict)
    script_sites: dict[uuid.UUID, SiteTargets] = field(default_factory=dict)
    """By version id."""
    script_ratings: dict[tuple[uuid.UUID, uuid.UUID], Rating] = field(default_factory=dict)
    """By (script id, user id)."""
    require_allowlist: dict[int, tuple[str, ...]] = field(
        default_factory=lambda: {1: SEEDED_PATTERNS}
    )
    """One row, as in SQL: the `@require` allow-list's patterns."""
    writer: WriterLock = field(
        default_factory=WriterLock, compare=False, repr=False, metadata={"table": False}
    )

    def tables(self) -> dict[str, dict[Any, Any]]:
        """Each table by name (the dicts themselves, not copies)."""
        return {
            table.name: getattr(self, table.name)
            for table in fields(self)
            if table.metadata.get("table", True)
        }


def check_user_is_unique(users: dict[uuid.UUID, User], user: User) -> None:
    """Raise if another live account holds the user's email or username."""
    if user.account_status is AccountStatus.DELETED:
        return
    for other in users.values():
        if other.id == user.id or other.account_status is AccountStatus.DELETED:
            continue
        if other.email == user.email:
            raise EmailTakenError("This email is already registered.")
        if other.username == user.username:
            raise UsernameTakenError("This username is taken.")


def check_link_is_unique(links: dict[uuid.UUID, ProviderLink], link: ProviderLink) -> None:
    """Raise if another link already holds the (provider, provider_user_id) identity, or
    links the same account to the same provider."""
    for other in links.values():
        if other.id == link.id or other.provider != link.provider:
            continue
        if other.provider_user_id == link.provider_user_id:
            raise ConflictError("This provider identity is already linked to an account.")
        if other.user_id == link.user_id:
            raise ConflictError("This account is already linked to this provider.")


def check_script_is_unique(scripts: dict[uuid.UUID, Script], script: Script) -> None:
    """Raise if another live script holds the script's slug."""
    if script.deleted:
        return
    for other in scripts.values():
        if other.id != script.id and not other.deleted and other.slug == script.slug:
            raise SlugTakenError("This slug is taken.")


def check_version_is_unique(versions: dict[uuid.UUID, VersionCode], stored: VersionCode) -> None:
    """Raise if the script already has another version with this version string."""
    version = stored.version
    for other in versions.values():
        if other.version.id != version.id and (
            other.version.script_id,
            other.version.version,
        ) == (version.script_id, version.version):
            raise ConflictError(f"version {version.version} of this script already exists")


Writing: TypeAlias = "Callable[[], Awaitable[None]]"
"""What a repository awaits before it changes anything (`InMemoryUnitOfWork` takes the
writer lock then)."""

Row = TypeVar("Row")


def newest_first(
    rows: Iterable[Row],
    key: Callable[[Row], tuple[datetime, uuid.UUID]],
    after: Keyset | None,
    limit: int,
) -> list[Row]:
    """Copies of at most `limit` of `rows`, ordered by `key` descending, after `after`."""
    ordered = sorted(rows, key=key, reverse=True)
    if after is not None:
        ordered = [row for row in ordered if key(row) < (after.at, after.id)]
    return copy.deepcopy(ordered[:limit])
