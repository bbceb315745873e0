"""On SQLite, words of many scripts are tested one script at a time as the order is walked,
on the script's own search row (`script_walk`), and the scripts a search ranks are ranked
from their own rows (`sqlite_relevance`): the same pages as reading every match, at the cost
of the scripts walked, and bm25's order for one word."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event

from scripthub.adapters.sqlalchemy import script_walk
from scripthub.adapters.sqlalchemy.scripts_search import stored_search_rowid
from scripthub.adapters.sqlalchemy.sqlite_relevance import average_length, relevance
from scripthub.application.ports.scripts import ScriptQuery, ScriptSort
from scripthub.domain.scripts import search_terms
from tests.contract import test_script_probes
from tests.contract.samples import T0
from tests.contract.test_script_probes import EVERY_ORDER, pages_both_ways
from tests.contract.uow_backends import add_owners
from tests.script_builders import add_scripts, make_script

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.ext.asyncio import AsyncEngine

    from tests.contract.uow_backends import MakeUnitOfWork

SCRIPTS = 40
# The probes' tests' fixtures: the conftest's `engine` on SQLite only, and its units of work.
sql_database_url = test_script_probes.sql_database_url
make_uow = test_script_probes.make_uow


async def lamps(make_uow: MakeUnitOfWork) -> None:
    """`SCRIPTS` scripts, all saying "lamp" (in the name, tags or description, in texts of
    several lengths), every other one "half", one in eight "rare"; installs with ties."""
    (owner,) = await add_owners(make_uow, "owner")
    scripts = []
    for n in range(SCRIPTS):
        words = ["half"] * (n % 2 == 0) + ["rare"] * (n % 8 == 3)
        name = " ".join(["Lamp" if n % 3 == 0 else "Light", *words, f"n{n}"])
        description = " ".join(["a lamp" if n % 3 == 2 else "bright", "words " * (n % 5)])
        tags = ["lamp"] if n % 3 == 1 else ["misc"]
        scripts.append(
            make_script(
                owner,
                name,
                slug=f"script-{n}",
                description=description,
                tags=tags,
                at=T0 + timedelta(minutes=n % 7),
            )
        )
    await add_scripts(make_uow, *scripts)
    async with make_uow() as uow:
        await uow.scripts.add_install_counts({s.id: n % 6 for n, s in enumerate(scripts)})
        await uow.commit()


@contextlib.contextmanager
def counted_row_ids(engine: AsyncEngine) -> Iterator[list[str]]:
    """The script ids SQLite hashes to search row ids (`search_rowid`, called for each
    script tested or read by its row id) while in the block."""
    hashed: list[str] = []

    def counting(stored_id: str) -> int:
        hashed.append(stored_id)
        return stored_search_rowid(stored_id)

    def register(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.create_function("search_rowid", 1, counting, deterministic=True)

    def restore(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.create_function("search_rowid", 1, stored_search_rowid, deterministic=True)

    event.listen(engine.sync_engine, "checkout", register)
    event.listen(engine.sync_engine, "checkin", restore)
    try:
        yield hashed
    finally:
        event.remove(engine.sync_engine, "checkout", register)
        event.remove(engine.sync_engine, "checkin", restore)


@pytest.mark.parametrize("walked", [1, script_walk.WALKED, 100])
@pytest.mark.parametrize("sort", EVERY_ORDER)
@pytest.mark.parametrize("text", ["lamp", "half", "rare", "lamp half", "lam"])
async def test_walked_matches_list_the_pages_the_matches_do(
    make_uow: MakeUnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    sort: ScriptSort,
    text: str,
    walked: float,
) -> None:
    # Walking one script per match wanted: the walk finds them all only for "lamp"; the
    # others' are read below it. Walking 100: every script is walked.
    await lamps(make_uow)
    monkeypatch.setattr(script_walk, "WALKED", walked)
    query = ScriptQuery(text=text, sort=sort, limit=3, ranked_matches=4)

    driven, probed = await pages_both_ways(make_uow, monkeypatch, query)

    assert probed == driven
    assert sum(map(len, driven)) >= SCRIPTS // 8


@pytest.mark.parametrize("sort", [ScriptSort.RELEVANCE, ScriptSort.INSTALLS, ScriptSort.NAME])
async def test_a_word_of_most_scripts_is_tested_on_the_scripts_walked_only(
    engine: AsyncEngine,
    make_uow: MakeUnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    sort: ScriptSort,
) -> None:
    await lamps(make_uow)
    monkeypatch.setattr("scripthub.adapters.sqlalchemy.script_probes.COMMON", 0)
    common = ScriptQuery(text="lamp", sort=sort, limit=3, ranked_matches=4)
    rare = dataclasses.replace(common, text="rare")

    with counted_row_ids(engine) as tested:
        async with make_uow() as uow:
            await uow.scripts.search(common)
    with counted_row_ids(engine) as read:
        async with make_uow() as uow:
            await uow.scripts.search(rare)

    # Wanted: 4 + 4 scripts by relevance, 4 in a key's order; each script walked or ranked
    # is hashed twice at most (FTS5 checks its row id again). "rare" is in 5 scripts: too
    # few in the scripts walked, so every script below them is tested against its matches.
    assert 0 < len(tested) <= 2 * 2 * 8
    assert len(set(read)) >= SCRIPTS - 3 * 8


async def test_one_word_ranks_in_the_order_of_fts5s_bm25(
    engine: AsyncEngine, make_uow: MakeUnitOfWork
) -> None:
    await lamps(make_uow)
    statement = (
        "SELECT -bm25(script_search, 0.0, 1.0, 0.4, 0.2), search_relevance(name, tags,"
        " description, 'lamp', (SELECT block FROM script_search_data WHERE id = 1))"
        " FROM script_search WHERE script_search MATCH '\"lamp\"*'"
    )
    async with engine.connect() as connection:
        rows = (await connection.exec_driver_sql(statement)).all()

    # bm25 is the same score times the word's IDF, one factor for every row.
    assert len(rows) == SCRIPTS
    factors = {round(bm25 / ours, 9) for bm25, ours in rows}
    assert len(factors) == 1
    assert len({ours for _, ours in rows}) > 3, "rows of several scores"


async def test_the_average_length_is_fts5s(engine: AsyncEngine, make_uow: MakeUnitOfWork) -> None:
    await lamps(make_uow)
    async with engine.connect() as connection:
        totals = await connection.exec_driver_sql(
            "SELECT block FROM script_search_data WHERE id = 1"
        )
        rows = await connection.exec_driver_sql("SELECT name, tags, description FROM script_search")
        block, texts = totals.scalar_one(), rows.all()

    words = sum(len(" ".join(text).split()) for text in texts)
    assert average_length(block) == pytest.approx(words / len(texts))


def test_relevance_needs_every_word_and_weighs_the_name_most() -> None:
    def of(name: str, tags: str, description: str, words: str) -> float | None:
        fields = [" ".join(search_terms(text)) for text in (name, tags, description)]
        return relevance(*fields, words, None)

    assert of("Dark Mode", "", "", "dark night") is None
    assert of("Dark Mode", "", "", "mo da") is not None
    in_name, in_tags = of("Dark Mode", "x", "y", "dark"), of("Mode", "dark", "y", "dark")
    in_description = of("Mode", "x", "dark y", "dark")
    assert in_name is not None
    assert in_tags is not None
    assert in_description is not None
    assert in_name > in_tags > in_description
