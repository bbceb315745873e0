"""On SQLite, a list in a key's order narrowed by a tag (beyond the public catalogue), a site
or words that select many scripts walks the order's index and tests each script
(`script_probes`), and a language is tested in every order but `newest`: the same pages as
starting from what the filters select, read in the index's order, without sorting what they
select. A tag of the catalogue walks its own index of the order, counting nothing. And what
each SQLite connection of the engine is set up with for it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from scripthub.adapters.sqlalchemy import script_probes
from scripthub.adapters.sqlalchemy.engine import SQLITE_MMAP_SIZE
from scripthub.adapters.sqlalchemy.scripts_search import search_rowid
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import ScriptQuery, ScriptSort
from scripthub.domain.scripts import Language, Visibility
from tests.contract import test_script_listing, test_script_sites
from tests.contract.test_sql_statements import query_plan, recorded_statements

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from tests.contract.uow_backends import MakeUnitOfWork

KEY_ORDERS = [sort for sort in ScriptSort if sort is not ScriptSort.RELEVANCE]
# Relevance finds its candidates in `installs` order, probed as that order is: one ranked
# candidate, so that its pages cross into the unranked matches.
EVERY_ORDER = [*KEY_ORDERS, ScriptSort.RELEVANCE]
EVERY_VISIBILITY = frozenset(Visibility)
ORDER_INDEXES = {
    ScriptSort.NEWEST: "ix_scripts_listed_created_at_id",
    ScriptSort.UPDATED: "ix_scripts_listed_updated_at_id",
    ScriptSort.INSTALLS: "ix_scripts_listed_install_count_id",
    ScriptSort.RATING: "ix_scripts_listed_rating_avg_id",
    ScriptSort.NAME: "ix_scripts_listed_name_key_id",
}


@pytest.fixture
def sql_database_url(sqlite_database_url: str) -> str:
    """The conftest's `engine` on SQLite only."""
    return sqlite_database_url


@pytest.fixture
def make_uow(engine: AsyncEngine) -> MakeUnitOfWork:
    return lambda: SqlAlchemyUnitOfWork(engine)


def probing_every_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(script_probes, "COMMON", 0)


async def pages_both_ways(
    make_uow: MakeUnitOfWork, monkeypatch: pytest.MonkeyPatch, query: ScriptQuery
) -> tuple[list[list[str]], list[list[str]]]:
    """The slugs of every page of `query`, started from its filters, then probing them."""

    async def slugs() -> list[list[str]]:
        pages = await test_script_listing.every_page(make_uow, query)
        return [[script.slug for script in page] for page in pages]

    driven = await slugs()
    with monkeypatch.context() as patch:
        probing_every_filter(patch)
        probed = await slugs()
    return driven, probed


@pytest.mark.parametrize("sort", EVERY_ORDER)
@pytest.mark.parametrize(
    "filters",
    [
        {"tag": "t0"},
        {"text": "dark"},
        {"text": "alp"},
        {"text": "dark every", "tag": "t1"},
        {"language": Language.JAVASCRIPT},
        {"language": Language.JAVASCRIPT, "tag": "t0", "text": "page"},
        {"tag": "t0", "visibilities": EVERY_VISIBILITY},
    ],
)
async def test_probed_filters_list_the_same_pages(
    make_uow: MakeUnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    sort: ScriptSort,
    filters: dict[str, object],
) -> None:
    await test_script_listing.catalogue(make_uow)
    query = ScriptQuery(sort=sort, limit=2, ranked_matches=1, **filters)  # type: ignore[arg-type]

    driven, probed = await pages_both_ways(make_uow, monkeypatch, query)

    assert probed == driven
    assert sum(map(len, driven)) >= 2


@pytest.mark.parametrize("sort", EVERY_ORDER)
@pytest.mark.parametrize(
    ("site", "all_sites"), [("youtube.com", False), ("youtube.com", True), ("m.youtube.com", True)]
)
async def test_probed_sites_list_the_same_pages(
    make_uow: MakeUnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    sort: ScriptSort,
    site: str,
    all_sites: bool,
) -> None:
    await test_script_sites.catalogue(make_uow)
    query = ScriptQuery(site=site, all_sites=all_sites, sort=sort, limit=2, ranked_matches=1)

    driven, probed = await pages_both_ways(make_uow, monkeypatch, query)

    assert probed == driven
    assert sum(map(len, driven)) >= 2


async def page_plan(engine: AsyncEngine, query: ScriptQuery) -> tuple[int, str]:
    """How many statements a page of `query` sends, and the plan of the page's."""
    async with SqlAlchemyUnitOfWork(engine) as uow:
        with recorded_statements(engine) as statements:
            await uow.scripts.search(query)
    return len(statements), await query_plan(engine, *statements[-1])


async def catalogue_for(make_uow: MakeUnitOfWork, filters: dict[str, object]) -> None:
    """Scripts with sites, or with every sort key tied (tags `t0`, `t1`, all saying "dark")."""
    if "site" in filters:
        await test_script_sites.catalogue(make_uow)
    else:
        await test_script_listing.catalogue(make_uow)


@pytest.mark.parametrize("sort", [ScriptSort.INSTALLS, ScriptSort.NAME])
@pytest.mark.parametrize(
    "filters",
    [{"text": "dark"}, {"site": "youtube.com"}, {"language": Language.JAVASCRIPT}],
)
async def test_a_common_filter_walks_the_orders_index(
    engine: AsyncEngine,
    make_uow: MakeUnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    sort: ScriptSort,
    filters: dict[str, object],
) -> None:
    await catalogue_for(make_uow, filters)
    probing_every_filter(monkeypatch)

    statements, plan = await page_plan(engine, ScriptQuery(sort=sort, **filters))  # type: ignore[arg-type]

    assert ORDER_INDEXES[sort] in plan, plan
    if "text" in filters:
        # Each script walked is tested on its own search row (`script_walk`); only the few
        # matches found are sorted.
        assert "SCAN searched VIRTUAL TABLE INDEX 0:=" in plan, plan
    else:
        assert "TEMP B-TREE" not in plan, plan
    assert statements == (1 if "language" in filters else 2), "the filters' counts, the page"


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"tag": "t0", "visibilities": EVERY_VISIBILITY}, "ix_script_tags_tag_script_id"),
        ({"site": "youtube.com"}, "ix_script_sites_host_subdomains_script_id"),
        ({"text": "dark"}, "VIRTUAL TABLE"),
    ],
)
async def test_a_rare_filter_is_where_the_page_starts(
    engine: AsyncEngine, make_uow: MakeUnitOfWork, filters: dict[str, object], index: str
) -> None:
    await catalogue_for(make_uow, filters)

    _, plan = await page_plan(engine, ScriptQuery(sort=ScriptSort.INSTALLS, **filters))  # type: ignore[arg-type]

    assert index in plan, plan
    assert ORDER_INDEXES[ScriptSort.INSTALLS] not in plan, plan


@pytest.mark.parametrize("sort", KEY_ORDERS)
@pytest.mark.parametrize("common", [False, True])
async def test_a_tag_of_the_catalogue_walks_its_index_of_the_order(
    engine: AsyncEngine,
    make_uow: MakeUnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    sort: ScriptSort,
    common: bool,
) -> None:
    await test_script_listing.catalogue(make_uow)
    if common:
        probing_every_filter(monkeypatch)

    statements, plan = await page_plan(engine, ScriptQuery(tag="t0", sort=sort))

    key = ORDER_INDEXES[sort].removeprefix("ix_scripts_listed_").removesuffix("_id")
    assert f"ix_script_tags_listed_tag_{key}_script_id" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert statements == 1, "the page alone: no count"


async def test_each_sqlite_connection_maps_the_file_and_hashes_search_row_ids(
    engine: AsyncEngine,
) -> None:
    script_id = uuid.uuid4()

    async with engine.connect() as connection:
        mapped = await connection.exec_driver_sql("PRAGMA mmap_size")
        hashed = await connection.exec_driver_sql("SELECT search_rowid(?)", (script_id.hex,))

        assert mapped.scalar_one() == SQLITE_MMAP_SIZE
        assert hashed.scalar_one() == search_rowid(script_id)
