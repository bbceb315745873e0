"""Backends for the mail suites: the repository suite's units of work, plus the dispatchers'
`OutboxDispatchStore` over the same data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from scripthub.adapters.sqlalchemy.outbox_dispatch_store import SqlAlchemyOutboxDispatchStore
from tests.contract.conftest import SQL_BACKENDS
from tests.contract.uow_backends import MemoryBackend, SqlBackend
from tests.fakes import InMemoryOutboxDispatchStore

if TYPE_CHECKING:
    import pytest

    from scripthub.application.ports.mail import OutboxDispatchStore
    from scripthub.application.ports.unit_of_work import UnitOfWork

BACKENDS = ["memory", *SQL_BACKENDS]


class MailBackend(Protocol):
    def unit_of_work(self) -> UnitOfWork: ...

    def outbox_dispatch_store(self) -> OutboxDispatchStore: ...

    async def close(self) -> None: ...


class MemoryMailBackend(MemoryBackend):
    def outbox_dispatch_store(self) -> OutboxDispatchStore:
        return InMemoryOutboxDispatchStore(self._database)


class SqlMailBackend(SqlBackend):
    """Each instance has an engine (and so connections) of its own."""

    def outbox_dispatch_store(self) -> OutboxDispatchStore:
        return SqlAlchemyOutboxDispatchStore(self._engine)


def open_backend(request: pytest.FixtureRequest) -> MailBackend:
    """The backend of `BACKENDS` that `request.param` names. Call it from a synchronous
    fixture: the database fixtures run their own event loop."""
    if request.param == "memory":
        return MemoryMailBackend()
    return SqlMailBackend(request.getfixturevalue(f"{request.param}_database_url"))
