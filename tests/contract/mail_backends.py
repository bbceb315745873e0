"""Backends for the mail suites: the repository suite's units of work, plus the dispatchers'
`OutboxStore` over the same data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from scripthub.adapters.memory import InMemoryOutboxStore
from scripthub.adapters.sqlalchemy import SqlAlchemyOutboxStore
from tests.contract.conftest import SQL_BACKENDS
from tests.contract.test_repositories import MemoryBackend, SqlBackend

if TYPE_CHECKING:
    import pytest

    from scripthub.application.ports.mail import OutboxStore
    from scripthub.application.ports.unit_of_work import UnitOfWork

BACKENDS = ["memory", *SQL_BACKENDS]


class MailBackend(Protocol):
    def unit_of_work(self) -> UnitOfWork: ...

    def outbox_store(self) -> OutboxStore: ...

    async def close(self) -> None: ...


class MemoryMailBackend(MemoryBackend):
    def outbox_store(self) -> OutboxStore:
        return InMemoryOutboxStore(self._database)


class SqlMailBackend(SqlBackend):
    """Each instance has an engine (and so connections) of its own."""

    def outbox_store(self) -> OutboxStore:
        return SqlAlchemyOutboxStore(self._session_factory)


def open_backend(request: pytest.FixtureRequest) -> MailBackend:
    """The backend of `BACKENDS` that `request.param` names. Call it from a synchronous
    fixture: the database fixtures run their own event loop."""
    if request.param == "memory":
        return MemoryMailBackend()
    return SqlMailBackend(request.getfixturevalue(f"{request.param}_database_url"))
