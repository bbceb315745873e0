"""A unit of work over `InMemoryDatabase` with the isolation and constraints of the SQL one."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Self

from tests.fakes.audit import InMemoryAuditLog
from tests.fakes.database import (
    InMemoryDatabase,
    check_link_is_unique,
    check_unchanged_since,
    check_user_is_unique,
)
from tests.fakes.email_tokens import InMemoryEmailTokenRepository
from tests.fakes.outbox import InMemoryOutboxWriter
from tests.fakes.provider_links import InMemoryProviderLinkRepository
from tests.fakes.roles import InMemoryRoleRepository
from tests.fakes.users import InMemoryUserRepository

if TYPE_CHECKING:
    from types import TracebackType

    from scripthub.application.ports.audit import AuditLog
    from scripthub.application.ports.email_tokens import EmailTokenRepository
    from scripthub.application.ports.mail import OutboxWriter
    from scripthub.application.ports.provider_links import ProviderLinkRepository
    from scripthub.application.ports.roles import RoleRepository
    from scripthub.application.ports.users import UserRepository

Table = dict[Any, Any]


class InMemoryUnitOfWork:
    """One transaction on a private copy of the database.

    `__aenter__` takes a deep copy of the state; the repositories read and write only that
    copy. `commit()` publishes the rows this transaction changed (row by row, so that
    concurrent transactions on other rows are not lost), after checking the unique
    constraints against what others committed meanwhile, and refusing (ConflictError) to
    overwrite an email token that another transaction changed meanwhile, which the row lock
    of SQL would have made it wait for. Leaving without `commit()` discards the copy.
    """

    users: UserRepository
    provider_links: ProviderLinkRepository
    roles: RoleRepository
    audit: AuditLog
    email_tokens: EmailTokenRepository
    outbox: OutboxWriter

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
        check_unchanged_since(
            published["email_tokens"], self._snapshot["email_tokens"], changed["email_tokens"]
        )
        for name, table in merged.items():
            setattr(self._database, name, table)
        self._begin()

    def _begin(self) -> None:
        # Published rows are never mutated in place (commit swaps in rows of a private copy
        # that is then dropped), so a shallow snapshot is enough to tell what changed.
        self._snapshot = {name: dict(table) for name, table in self._database.tables().items()}
        self._working = copy.deepcopy(self._database)
        self.users = InMemoryUserRepository(self._working)
        self.provider_links = InMemoryProviderLinkRepository(self._working)
        self.roles = InMemoryRoleRepository(self._working)
        self.audit = InMemoryAuditLog(self._working)
        self.email_tokens = InMemoryEmailTokenRepository(self._working, self._database)
        self.outbox = InMemoryOutboxWriter(self._working)


def _merge(published: Table, before: Table, after: Table) -> tuple[Table, set[Any]]:
    """Apply the rows that changed between `before` and `after` to a copy of `published`."""
    merged = dict(published)
    changed = {key for key, row in after.items() if key not in before or before[key] != row}
    for key in changed:
        merged[key] = after[key]
    for key in before.keys() - after.keys():
        merged.pop(key, None)
    return merged, changed
