"""What the PostgreSQL search index keeps of each script, in step with it in the same
transaction, whoever writes it, concurrently too (the migrations that add them:
`test_migrations`): the popularity tier of its `install_count` (`script_tiers`), and its
copies of the count, of whether it is listed and of its owner (`SEARCH_COPIES`), which a
search by tier filters and sorts its matches by (a rolled-back write changes none)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from scripthub.adapters.sqlalchemy.scripts_search import (
    SEARCH_COPIES,
    postgresql_search,
    tier_of,
    tiered_document,
)
from scripthub.adapters.sqlalchemy.scripts_table import scripts
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import ScriptChanges
from scripthub.domain.scripts import Visibility
from tests.contract.samples import T0
from tests.contract.test_script_repository import fold_installs
from tests.contract.test_tag_copies import LATER, WRITERS, Cast, Writer
from tests.contract.uow_backends import add_owners
from tests.script_builders import add_scripts, make_script

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from tests.contract.uow_backends import MakeUnitOfWork

pytestmark = pytest.mark.postgres


@pytest.fixture
def sql_database_url(postgres_database_url: str) -> str:
    """The conftest's `engine` on PostgreSQL only (SQLite's FTS5 index keeps only words)."""
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


Copies = dict["uuid.UUID", tuple[Any, ...]]
# What changes a copied value of the script, and what must leave the copies as they are.
CHANGING = {"unlist", "unlist and rename", "fold installs", "delete", "delete the owner's"}
SEARCH_WRITERS: dict[str, Writer] = {
    **WRITERS,
    "unlist and rename": lambda uow, cast: uow.scripts.edit(
        cast.script.id, ScriptChanges(name="Zebra", visibility=Visibility.PRIVATE), LATER
    ),
}


async def copies(engine: AsyncEngine) -> tuple[Copies, Copies]:
    """Each search row's copies, and its script's own values of them."""
    kept = [postgresql_search.c[name] for name in SEARCH_COPIES]
    statement = select(scripts.c.id, *kept, *SEARCH_COPIES.values()).join(
        postgresql_search, postgresql_search.c.script_id == scripts.c.id
    )
    async with engine.connect() as connection:
        rows = list(await connection.execute(statement))
    ends = 1 + len(kept)
    return (
        {row[0]: tuple(row[1:ends]) for row in rows},
        {row[0]: tuple(row[ends:]) for row in rows},
    )


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "rolled back"])
@pytest.mark.parametrize("name", SEARCH_WRITERS)
async def test_the_copies_follow_each_writer_in_its_transaction(
    engine: AsyncEngine, make_uow: MakeUnitOfWork, name: str, committed: bool
) -> None:
    owner, rater = await add_owners(make_uow, "owner", "rater")
    script = make_script(owner, "Dark", tags=["dark", "theme"])
    await add_scripts(make_uow, script, make_script(owner, "Other", tags=["dark"]))
    kept, own = await copies(engine)
    assert kept == own
    assert len(kept) == 2

    async with make_uow() as uow:
        await SEARCH_WRITERS[name](uow, Cast(owner, rater, script))
        if committed:
            await uow.commit()

    after, own_after = await copies(engine)
    assert after == own_after
    if committed and name in CHANGING:
        assert own_after != own, "the writer changes a copied value of the script"
    else:
        assert after == kept


async def test_the_copies_follow_concurrent_writers(
    engine: AsyncEngine, make_uow: MakeUnitOfWork
) -> None:
    (owner,) = await add_owners(make_uow, "owner")
    shared = [make_script(owner, f"Shared {n}") for n in range(3)]
    await add_scripts(make_uow, *shared)
    ids = [script.id for script in shared]

    async def edit(script_id: uuid.UUID, changes: ScriptChanges) -> None:
        async with make_uow() as uow:
            await uow.scripts.edit(script_id, changes, LATER)
            await asyncio.sleep(0)
            await uow.commit()

    folds = [dict(zip(ids, (n, 2 * n, 3 * n), strict=True)) for n in range(1, 7)]
    visibilities = [Visibility.UNLISTED, Visibility.PUBLIC] * 3
    await asyncio.gather(
        *(fold_installs(make_uow, batch) for batch in folds),
        *(fold_installs(make_uow, dict(reversed(batch.items()))) for batch in folds),
        *(edit(ids[n % 3], ScriptChanges(name=f"Renamed {n}")) for n in range(6)),
        *(edit(ids[n % 3], ScriptChanges(visibility=v)) for n, v in enumerate(visibilities)),
    )

    kept, own = await copies(engine)
    assert kept == own
    assert [kept[script_id][0] for script_id in ids] == [42, 84, 126]


async def test_a_fold_within_a_tier_writes_no_index_of_the_search_rows(
    engine: AsyncEngine, make_uow: MakeUnitOfWork
) -> None:
    (owner,) = await add_owners(make_uow, "owner")
    scripts_ = [make_script(owner, f"Script {n}") for n in range(3)]
    await add_scripts(make_uow, *scripts_)
    await fold_installs(make_uow, {script.id: 4 for script in scripts_})

    async with SqlAlchemyUnitOfWork(engine) as uow:
        connection = uow._connection
        before = await search_row_updates(connection)
        # 4 -> 5 installs: the same tier; the copies of the count change.
        await uow.scripts.add_install_counts({script.id: 1 for script in scripts_})
        after = await search_row_updates(connection)
    assert [b - a for a, b in zip(before, after, strict=True)] == [3, 3], (
        "each row updated once, in place (HOT)"
    )


async def search_row_updates(connection: AsyncConnection) -> tuple[int, int]:
    """The updates of `script_search` rows by this backend not yet in the statistics
    (`pg_stat_xact_user_tables`: so far in this transaction, and before it unless flushed),
    and how many of them were HOT."""
    result = await connection.exec_driver_sql(
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
        " WHERE relname = 'script_search'"
    )
    updated, hot = result.one()
    return updated, hot
