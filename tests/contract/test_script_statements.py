"""What the SQL script repository sends: a page of scripts costs the same statements whatever
its size, and is read from the indexes."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from scripthub.adapters.sqlalchemy import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import ScriptKeyset, ScriptQuery, ScriptSort
from scripthub.domain.scripts import Language
from tests.contract.samples import T0, make_user
from tests.contract.script_samples import make_script
from tests.contract.test_sql_statements import query_plan, recorded_statements

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

QUERIES = [
    ScriptQuery(),
    ScriptQuery(text="dark mode", sort=ScriptSort.RELEVANCE, tag="dark"),
    ScriptQuery(language=Language.JAVASCRIPT, featured=False, without_antifeatures=True),
]


async def add_catalogue(engine: AsyncEngine, size: int) -> None:
    owners = [make_user(f"owner{n}") for n in range(3)]
    async with SqlAlchemyUnitOfWork(engine) as uow:
        for owner in owners:
            await uow.users.add(owner)
        for n in range(size):
            await uow.scripts.add(make_script(owners[n % 3], f"Dark Mode {n}", slug=f"dark-{n}"))
        await uow.commit()


@pytest.mark.parametrize("query", QUERIES)
async def test_a_page_of_one_costs_what_a_page_of_a_hundred_does(
    engine: AsyncEngine, query: ScriptQuery
) -> None:
    await add_catalogue(engine, 101)
    counts = []
    async with SqlAlchemyUnitOfWork(engine) as uow:
        for limit in (1, 100):
            with recorded_statements(engine) as statements:
                page = await uow.scripts.search(ScriptQuery(**{**vars(query), "limit": limit}))
            assert len(page.scripts) == limit
            counts.append(len(statements))

    assert counts == [1, 1]


@pytest.mark.parametrize(
    ("sort", "key", "index"),
    [
        (ScriptSort.NEWEST, T0, "ix_scripts_listed_created_at_id"),
        (ScriptSort.UPDATED, T0, "ix_scripts_listed_updated_at_id"),
        (ScriptSort.INSTALLS, 5, "ix_scripts_listed_install_count_id"),
        (ScriptSort.RATING, 2.5, "ix_scripts_listed_rating_avg_id"),
        (ScriptSort.NAME, "m", "ix_scripts_listed_name_key_id"),
    ],
)
async def test_catalogue_pages_are_read_in_index_order(
    engine: AsyncEngine, sort: ScriptSort, key: object, index: str
) -> None:
    after = ScriptKeyset(sort, key, uuid.uuid4())  # type: ignore[arg-type]
    async with SqlAlchemyUnitOfWork(engine) as uow:
        with recorded_statements(engine) as statements:
            await uow.scripts.search(ScriptQuery(sort=sort, after=after))

    plan = await query_plan(engine, *statements[0])

    assert index in plan
    assert "Sort" not in plan
    assert "TEMP B-TREE" not in plan


async def test_search_reads_the_text_index(engine: AsyncEngine) -> None:
    await add_catalogue(engine, 300)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE")
            await connection.commit()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        with recorded_statements(engine) as statements:
            await uow.scripts.search(ScriptQuery(text="zebra", sort=ScriptSort.RELEVANCE))

    plan = await query_plan(engine, *statements[0])

    if engine.dialect.name == "postgresql":
        assert "ix_script_search_document" in plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan
