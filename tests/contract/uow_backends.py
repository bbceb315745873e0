"""Backends for the unit-of-work suites (the in-memory fake, SQLite, PostgreSQL), and steps
run in a committed unit of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from scripthub.adapters.sqlalchemy.account_reader import SqlAlchemyAccountReader
from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from tests.contract.samples import make_user
from tests.fakes import InMemoryDatabase, InMemoryUnitOfWork
from tests.fakes.account_reader import InMemoryAccountReader

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from scripthub.application.ports.account_reader import AccountReader
    from scripthub.application.ports.unit_of_work import UnitOfWork
    from scripthub.domain.users import User

MakeUnitOfWork = Callable[[], "UnitOfWork"]
Step = Callable[["UnitOfWork"], "Awaitable[object]"]


class Backend(Protocol):
    def unit_of_work(self) -> UnitOfWork: ...

    def account_reader(self) -> AccountReader: ...

    async def close(self) -> None: ...


class MemoryBackend:
    def __init__(self) -> None:
        self._database = InMemoryDatabase()

    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self._database)

    def account_reader(self) -> AccountReader:
        return InMemoryAccountReader(self._database)

    async def close(self) -> None:
        pass


class SqlBackend:
    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)

    def unit_of_work(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self._engine)

    def account_reader(self) -> AccountReader:
        return SqlAlchemyAccountReader(self._engine)

    async def close(self) -> None:
        await self._engine.dispose()


async def committed(make_uow: MakeUnitOfWork, step: Step) -> None:
    """Run `step` in a unit of work and commit it."""
    async with make_uow() as uow:
        await step(uow)
        await uow.commit()


async def add_committed(make_uow: MakeUnitOfWork, *users: User) -> None:
    async with make_uow() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


async def add_owners(make_uow: MakeUnitOfWork, *names: str) -> list[User]:
    """Users named `names`, committed."""
    users = [make_user(name) for name in names]
    await add_committed(make_uow, *users)
    return users
