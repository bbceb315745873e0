"""Each PostgreSQL search row's copies of its script's `install_count`, listing and owner
(`SEARCH_COPIES`), which a search by tier filters and sorts its matches by, equal the
script's own, whichever writer changed them, in the same transaction (a rolled-back write
changes none), and under concurrent writers (the migration that adds them:
`test_migrations`)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from scripthub.adapters.sqlalchemy.scripts_search import SEARCH_COPIES, postgresql_search
from scripthub.adapters.sqlalchemy.scripts_table import scripts
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import ScriptChanges
from scripthub.domain.scripts import Visibility
from tests.contract.test_script_repository import fold_installs
from tests.contract.test_tag_copies import LATER, WRITERS, Cast, Writer
from tests.contract.uow_backends import add_owners
from tests.script_builders import add_scripts, make_script

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncEngine

    from tests.contract.uow_backends import MakeUnitOfWork

pytestmark = pytest.mark.postgres

Copies = dict["uuid.UUID", tuple[Any, ...]]
# What changes a copied value of the script, and what must leave the copies as they are.
CHANGING = {"unlist", "unlist and rename", "fold installs", "delete", "delete the owner's"}
SEARCH_WRITERS: dict[str, Writer] = {
    **WRITERS,
    "unlist and rename": lambda uow, cast: uow.scripts.edit(
        cast.script.id, ScriptChanges(name="Zebra", visibility=Visibility.PRIVATE), LATER
    ),
}


@pytest.fixture
def sql_database_url(postgres_database_url: str) -> str:
    """The conftest's `engine` on PostgreSQL only (SQLite's FTS5 index copies nothing)."""
    return postgres_database_url


@pytest.fixture
def make_uow(engine: AsyncEngine) -> MakeUnitOfWork:
    return lambda: SqlAlchemyUnitOfWork(engine)


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
