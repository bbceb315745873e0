"""A unit of work over `InMemoryDatabase` with the isolation and constraints of the SQL one."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Self

from tests.fakes.access_tokens import InMemoryAccessTokenRepository
from tests.fakes.audit import InMemoryAuditLog
from tests.fakes.beta_channel import InMemoryBetaChannelRepository
from tests.fakes.database import (
    InMemoryDatabase,
    check_link_is_unique,
    check_script_is_unique,
    check_user_is_unique,
    check_version_is_unique,
)
from tests.fakes.email_tokens import InMemoryEmailTokenRepository
from tests.fakes.outbox import InMemoryOutboxWriter
from tests.fakes.provider_links import InMemoryProviderLinkRepository
from tests.fakes.publishing import (
    InMemoryPublicationHistory,
    InMemoryRequireAllowlistRepository,
)
from tests.fakes.roles import InMemoryRoleRepository
from tests.fakes.scripts import InMemoryScriptRepository
from tests.fakes.users import InMemoryUserRepository
from tests.fakes.version_reviews import InMemoryVersionReviewRepository

if TYPE_CHECKING:
    from types import TracebackType

    from scripthub.application.ports.access_tokens import AccessTokenRepository
    from scripthub.application.ports.audit import AuditLog
    from scripthub.application.ports.beta_channel import BetaChannelRepository
    from scripthub.application.ports.email_tokens import EmailTokenRepository
    from scripthub.application.ports.mail import OutboxWriter
    from scripthub.application.ports.provider_links import ProviderLinkRepository
    from scripthub.application.ports.publishing import (
        PublicationHistory,
        RequireAllowlistRepository,
    )
    from scripthub.application.ports.roles import RoleRepository
    from scripthub.application.ports.scripts import ScriptRepository
    from scripthub.application.ports.users import UserRepository
    from scripthub.application.ports.version_reviews import VersionReviewRepository

Table = dict[Any, Any]


class InMemoryUnitOfWork:
    """One transaction on a private copy of the database, with the isolation of SQLite.

    `__aenter__` takes a deep copy of the state; the repositories read and write only that
    copy. Before its first write (or its first count of permission holders, which the port
    serialises) a unit of work takes the database's writer lock, waiting while another unit
    of work holds it, and copies the state afresh: from then on it sees everything committed
    before it and nobody else writes, so a guarded write ("only if still active") checks its
    condition against the latest state, as an SQL UPDATE does after waiting for a row lock.
    `commit()` publishes the rows this transaction changed (row by row, so that changes the
    stores outside units of work made meanwhile are not lost) after checking the unique
    constraints, and lets the lock go; so does leaving, which discards the copy.
    """

    users: UserRepository
    provider_links: ProviderLinkRepository
    roles: RoleRepository
    audit: AuditLog
    email_tokens: EmailTokenRepository
    access_tokens: AccessTokenRepository
    outbox: OutboxWriter
    scripts: ScriptRepository
    require_allowlist: RequireAllowlistRepository
    publications: PublicationHistory
    version_reviews: VersionReviewRepository
    beta_channel: BetaChannelRepository

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database
        self._snapshot: dict[str, Table] | None = None

    async def __aenter__(self) -> Self:
        self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._snapshot = None
        self._database.writer.release(self)

    async def commit(self) -> None:
        if self._snapshot is None:
            raise RuntimeError("commit() outside `async with` the unit of work")
        published = self._database.tables()
        merged: dict[str, Table] = {}
        changed: dict[str, set[Any]] = {}
        for name, working in self._working.tables().items():
            before = self._snapshot[name]
            merged[name], changed[name] = _merge(published[name], before, working)
        for user_id in changed["users"]:
            check_user_is_unique(merged["users"], merged["users"][user_id])
        for link_id in changed["provider_links"]:
            check_link_is_unique(merged["provider_links"], merged["provider_links"][link_id])
        for script_id in changed["scripts"]:
            check_script_is_unique(merged["scripts"], merged["scripts"][script_id])
        for version_id in changed["script_versions"]:
            check_version_is_unique(
                merged["script_versions"], merged["script_versions"][version_id]
            )
        for name, table in merged.items():
            setattr(self._database, name, table)
        self._database.writer.release(self)
        self._begin()

    async def _before_writing(self) -> None:
        """What the repositories call before they change anything."""
        if self._database.writer.held_by(self):
            return
        await self._database.writer.acquire(self)
        # Nothing is staged yet: start again from the latest state, in place (the
        # repositories hold the working tables).
        self._snapshot = {name: dict(table) for name, table in self._database.tables().items()}
        for name, table in self._working.tables().items():
            table.clear()
            table.update(copy.deepcopy(self._snapshot[name]))

    def _begin(self) -> None:
        # Published rows are never mutated in place (commit swaps in rows of a private copy
        # that is then dropped), so a shallow snapshot is enough to tell what changed.
        self._snapshot = {name: dict(table) for name, table in self._database.tables().items()}
        self._working = copy.deepcopy(self._database)
        writing = self._before_writing
        self.users = InMemoryUserRepository(self._working, writing)
        self.provider_links = InMemoryProviderLinkRepository(self._working, writing)
        self.roles = InMemoryRoleRepository(self._working, writing)
        self.audit = InMemoryAuditLog(self._working, writing)
        self.email_tokens = InMemoryEmailTokenRepository(self._working, writing)
        self.access_tokens = InMemoryAccessTokenRepository(self._working, writing)
        self.outbox = InMemoryOutboxWriter(self._working, writing)
        self.scripts = scripts = InMemoryScriptRepository(self._working, writing)
        self.version_reviews = InMemoryVersionReviewRepository(self._working, writing, scripts)
        self.beta_channel = InMemoryBetaChannelRepository(self._working, writing, scripts)
        self.require_allowlist = InMemoryRequireAllowlistRepository(self._working, writing)
        self.publications = InMemoryPublicationHistory(self._working)


def _merge(published: Table, before: Table, after: Table) -> tuple[Table, set[Any]]:
    """Apply the rows that changed between `before` and `after` to a copy of `published`."""
    merged = dict(published)
    changed = {key for key, row in after.items() if key not in before or before[key] != row}
    for key in changed:
        merged[key] = after[key]
    for key in before.keys() - after.keys():
        merged.pop(key, None)
    return merged, changed
