"""The popularity tiers of the PostgreSQL search index (`script_tiers`): each search row's
`tier` is its script's `install_count`'s, whoever changes the count, concurrently too, and in
the same transaction (the migration that adds them: `test_migrations`)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from scripthub.adapters.sqlalchemy.scripts_search import (
    postgresql_search,
    tier_of,
    tiered_document,
)
from scripthub.adapters.sqlalchemy.scripts_table import scripts
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import ScriptChanges
from tests.contract.samples import T0
from tests.contract.test_script_repository import fold_installs
from tests.contract.uow_backends import add_owners
from tests.script_builders import add_scripts, make_script

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncEngine

    from tests.contract.uow_backends import MakeUnitOfWork

pytestmark = pytest.mark.postgres


@pytest.fixture
def sql_database_url(postgres_database_url: str) -> str:
    """The conftest's `engine` on PostgreSQL only."""
    return postgres_database_url


@pytest.fixture
def make_uow(engine: AsyncEngine) -> MakeUnitOfWork:
    return lambda: SqlAlchemyUnitOfWork(engine)


Row = tuple[int, int, int, bool]


async def tiers(engine: AsyncEngine) -> dict[uuid.UUID, Row]:
    """Each script's (`install_count`, the tier of its search row, the tier of its count,
    whether its tiered words are its document's behind its row's tier)."""
    search = postgresql_search.c
    statement = select(
        scripts.c.id,
        scripts.c.install_count,
        search.tier,
        tier_of(scripts.c.install_count),
        search.tiered == tiered_document(search.tier, search.document),
    ).join(postgresql_search, search.script_id == scripts.c.id)
    async with engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in await connection.execute(statement)}


def drifted(rows: dict[uuid.UUID, Row]) -> dict[uuid.UUID, Row]:
    return {key: row for key, row in rows.items() if row[1] != row[2] or not row[3]}


async def test_a_tier_starts_at_each_power_of_two(engine: AsyncEngine) -> None:
    counts = [0, 1, 2, 3, 4, 7, 8, 2**31 - 1, 2**31, 2**62]
    async with engine.connect() as connection:
        row = (await connection.execute(select(*(tier_of(n) for n in counts)))).one()
    assert list(row) == [0, 1, 2, 2, 3, 3, 4, 31, 32, 32]


async def test_tiers_follow_install_counts_in_the_same_transaction(
    engine: AsyncEngine, make_uow: MakeUnitOfWork
) -> None:
    (owner,) = await add_owners(make_uow, "owner")
    few, some, many = (make_script(owner, name) for name in ("Few", "Some", "Many"))
    await add_scripts(make_uow, few, some, many)
    rows = await tiers(engine)
    assert {row[1] for row in rows.values()} == {0}
    assert not drifted(rows)

    async with make_uow() as uow:
        await uow.scripts.add_install_counts({few.id: 3, some.id: 20, many.id: 5000})
        # Not committed: neither the counts nor the tiers changed for anyone else.
    assert {row[:2] for row in (await tiers(engine)).values()} == {(0, 0)}

    async with make_uow() as uow:
        await uow.scripts.add_install_counts({few.id: 3, some.id: 20, many.id: 5000})
        await uow.commit()
    async with make_uow() as uow:
        await uow.scripts.add_install_counts({few.id: 1})
        await uow.commit()
    # An edit writes the search row again: its tier stays the count's.
    async with make_uow() as uow:
        await uow.scripts.edit(many.id, ScriptChanges(name="Many more"), T0)
        await uow.commit()

    rows = await tiers(engine)
    assert {script_id: row[:2] for script_id, row in rows.items()} == {
        few.id: (4, 3),
        some.id: (20, 5),
        many.id: (5000, 13),
    }
    assert not drifted(rows)


async def test_tiers_follow_concurrent_install_counts(
    engine: AsyncEngine, make_uow: MakeUnitOfWork
) -> None:
    (owner,) = await add_owners(make_uow, "owner")
    first, second = make_script(owner, "First"), make_script(owner, "Second")
    await add_scripts(make_uow, first, second)

    # Each batch moves both scripts up a tier or two, in both orders of the ids.
    batches = [{first.id: 3**n, second.id: 2 * 3**n} for n in range(8)]
    await asyncio.gather(
        *(fold_installs(make_uow, batch) for batch in [*batches, *reversed(batches)])
    )

    rows = await tiers(engine)
    assert [rows[script.id][0] for script in (first, second)] == [6560, 13120]
    assert not drifted(rows)
