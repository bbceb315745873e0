"""What the SQL script repository sends: a page of scripts costs the same statements whatever
its size, and is read from the indexes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select, update

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.script_listing import walks_tag
from scripthub.adapters.sqlalchemy.script_tiers import WALKED
from scripthub.adapters.sqlalchemy.scripts_search import (
    postgresql_search,
    tier_of,
    tiered_document,
)
from scripthub.adapters.sqlalchemy.scripts_table import script_tags, scripts
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import (
    RANKED_MATCHES,
    ScriptKeyset,
    ScriptQuery,
    ScriptSort,
)
from scripthub.domain.scripts import Language, Visibility
from tests.contract.samples import T0, make_user
from tests.contract.sql_support import seeding_transaction
from tests.contract.test_sql_statements import query_plan, recorded_statements
from tests.script_builders import make_script

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

OWNER = make_user("owner")
LATER = ScriptKeyset(ScriptSort.NEWEST, T0 + timedelta(days=1), uuid.uuid4())
PAGE_ROWS = ScriptQuery().limit + 1
NARROW_ROW = 32
"""Bytes of a row of an id (16) and a rank (4), with room to spare: a document is far wider."""
BEST = ScriptKeyset(ScriptSort.RELEVANCE, 1e9, uuid.uuid4())
# Every list the API serves: each order of the catalogue, search, each filter, a page after
# a cursor, an author's scripts and one's own scripts (every visibility).
QUERIES = [
    ScriptQuery(),
    *(ScriptQuery(sort=sort) for sort in ScriptSort if sort is not ScriptSort.RELEVANCE),
    ScriptQuery(text="dark mode", sort=ScriptSort.RELEVANCE, tag="dark"),
    ScriptQuery(text="dark", sort=ScriptSort.RELEVANCE),
    ScriptQuery(text="dark", sort=ScriptSort.RELEVANCE, after=BEST),
    ScriptQuery(text="dark", sort=ScriptSort.INSTALLS),
    ScriptQuery(tag="theme"),
    ScriptQuery(language=Language.JAVASCRIPT, featured=False, without_antifeatures=True),
    ScriptQuery(after=LATER),
    ScriptQuery(owner_id=OWNER.id),
    ScriptQuery(owner_id=OWNER.id, visibilities=frozenset(Visibility), after=LATER),
]


async def add_catalogue(engine: AsyncEngine, size: int) -> None:
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.users.add(OWNER)
        for n in range(size):
            await uow.scripts.add(make_script(OWNER, f"Dark Mode {n}", slug=f"dark-{n}"))
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

    # SQLite first counts what a site, words or a tag beyond the catalogue's (which walks
    # its own index) select, up to a bound (`script_probes`).
    counted_filters = [query.site, query.text, None if walks_tag(query) else query.tag]
    counted = (
        engine.dialect.name == "sqlite"
        and query.sort is not ScriptSort.RELEVANCE
        and any(counted_filters)
    )
    assert counts == [2, 2] if counted else [1, 1]


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
        # Past the most installed scripts, walked, the matches are read tier by tier.
        assert "ix_script_search_tiered" in plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan


@pytest.mark.parametrize(
    ("query", "written"),
    [
        (ScriptQuery(tag="rare-tag"), "'rare-tag'"),
        (ScriptQuery(owner_id=OWNER.id), OWNER.id.hex[-12:]),
        (ScriptQuery(language=Language.CSS), "'css'"),
        (ScriptQuery(site="m.example.org"), "'example.org'"),
        (ScriptQuery(text="dark", tag="rare-tag", sort=ScriptSort.RELEVANCE), "'rare-tag'"),
    ],
    ids=["tag", "author", "language", "site", "search-and-tag"],
)
async def test_selective_filters_are_written_into_the_statement(
    engine: AsyncEngine, query: ScriptQuery, written: str
) -> None:
    # Bound, PostgreSQL plans them once for every value after five runs: for a rare tag,
    # a walk of the whole catalogue in date order.
    async with SqlAlchemyUnitOfWork(engine) as uow:
        with recorded_statements(engine) as statements:
            await uow.scripts.search(query)

    # The page is the last statement: a tag, on SQLite a site too, is counted first.
    statement, parameters = statements[-1]
    assert written in statement, statement
    assert all(written.strip("'") not in str(value) for value in _values(parameters))


def _values(parameters: Any) -> list[Any]:
    return list(parameters.values() if isinstance(parameters, dict) else parameters or ())


@pytest.mark.postgres
async def test_the_script_search_as_sent_is_planned_for_how_many_scripts_its_words_match(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url)
    try:
        async with seeding_transaction(postgres_database_url) as connection:
            # 100k public scripts of 22 words; every one says "common", one in 10,000 "rare".
            await seed_catalogue(
                connection,
                description="CASE WHEN n % 10000 = 0 THEN 'rare ' ELSE '' END || 'common '"
                " || (SELECT string_agg('w' || (n * k % 5003), ' ')"
                " FROM generate_series(1, 20) AS k)",
            )
            await connection.exec_driver_sql(
                "INSERT INTO script_search"
                " (script_id, document, tier, tiered, install_count, listed, owner_id)"
                " SELECT id, setweight(to_tsvector('simple', name_key), 'A')"
                " || setweight(to_tsvector('simple', description), 'C'), 0, '',"
                " install_count, visibility = 'public' AND deleted_at IS NULL, owner_id"
                " FROM scripts"
            )
            tier = tier_of(scripts.c.install_count)
            await connection.execute(
                update(postgresql_search)
                .where(postgresql_search.c.script_id == scripts.c.id)
                .values(tier=tier, tiered=tiered_document(tier, postgresql_search.c.document))
            )
            await connection.exec_driver_sql("ANALYZE")
        plans, runs = {}, {}
        for word in ("rare", "common"):
            with recorded_statements(engine) as statements:
                # More runs than PostgreSQL needs to switch a prepared statement to a generic
                # plan.
                for _ in range(7):
                    async with SqlAlchemyUnitOfWork(engine) as uow:
                        await uow.scripts.search(ScriptQuery(text=word, sort=ScriptSort.RELEVANCE))
            [(statement, parameters)] = statements[-1:]
            assert f"'''{word}'':*'" in statement, "the words are inlined: each text its own plan"
            async with engine.connect() as connection:
                result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                plans[word] = "\n".join(row[0] for row in result)
                result = await connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
                )
                runs[word] = list(plan_nodes(result.scalar_one()[0]["Plan"]))
    finally:
        await engine.dispose()

    # The rare word's matches are read from the index, tier by tier; the common word's are
    # found among the most installed scripts, walked: no tier is read.
    assert "Bitmap Index Scan on ix_script_search_tiered" in plans["rare"], plans["rare"]
    # A tier's matches are the tiered words' alone: no match's document is tested again.
    assert "ts_match_vq" not in plans["rare"], plans["rare"]
    tiers_read = [
        node
        for node in runs["common"]
        if node["Node Type"] == "Bitmap Heap Scan" and node["Actual Loops"]
    ]
    assert not tiers_read, plans["common"]
    # Ranked: the most installed of the 100k matches only (and the first page past them),
    # found by walking the scripts by installs (about as many search rows read), each ranked
    # once, sorted as narrow rows (an id and a rank, no document) in memory; only the page
    # is joined to owners.
    sorts = [node for node in runs["common"] if node["Node Type"] == "Sort"]
    # Ranks are looked up per candidate (a subplan of `ts_rank`).
    ranking = [node for node in sorts if "SubPlan" in node["Sort Key"][0]]
    assert ranking, plans["common"]
    assert all(node["Plan Width"] <= NARROW_ROW for node in ranking), ranking
    assert all(node.get("Sort Space Type") != "Disk" for node in sorts), sorts
    ranked = sum(child["Actual Rows"] for node in ranking for child in node["Plans"])
    assert ranked <= RANKED_MATCHES + PAGE_ROWS, plans["common"]
    searched = sum(
        node["Actual Rows"] * node["Actual Loops"]
        for node in runs["common"]
        if node.get("Relation Name") == "script_search"
    )
    # The scripts walked (`script_tiers.WALKED` per candidate), then each candidate ranked.
    walked = round(WALKED * (RANKED_MATCHES + PAGE_ROWS))
    assert searched <= walked + RANKED_MATCHES + PAGE_ROWS, runs["common"]
    owners = sum(
        node["Actual Loops"] for node in runs["common"] if node.get("Relation Name") == "users"
    )
    assert owners <= 2 * RANKED_MATCHES + 2 * PAGE_ROWS, runs["common"]


CATALOGUE_COLUMNS = {
    "slug": "'s' || n",
    "name": "'S ' || n",
    "name_key": "'s ' || n",
    "description": "''",
    "language": "'lua'",
    "visibility": "'public'",
    "tags": "'[]'",
    "featured": "false",
    "antifeatures": "'[]'",
    "install_count": "n",
    "rating_sum": "0",
    "rating_count": "0",
    "rating_avg": "0",
    "created_at": "now() - n * interval '1 second'",
    "updated_at": "now()",
}


async def seed_catalogue(connection: AsyncConnection, **columns: str) -> None:
    """One owner and 100,000 of their public scripts numbered `n`, written by one statement:
    each column the SQL expression in `n` given for it, else `CATALOGUE_COLUMNS`'."""
    await connection.exec_driver_sql(
        "INSERT INTO users (id, email, username, account_status, created_at, updated_at)"
        " VALUES (gen_random_uuid(), 'o@example.com', 'o', 'active', now(), now())"
    )
    values = CATALOGUE_COLUMNS | columns
    await connection.exec_driver_sql(
        f"INSERT INTO scripts (id, owner_id, {', '.join(values)})"  # noqa: S608 - our own SQL
        f" SELECT gen_random_uuid(), (SELECT id FROM users), {', '.join(values.values())}"
        " FROM generate_series(1, 100000) AS n"
    )


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The nodes of a plan of EXPLAIN (FORMAT JSON), top down."""
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


SORT_KEYS = {
    ScriptSort.NEWEST: "created_at",
    ScriptSort.UPDATED: "updated_at",
    ScriptSort.INSTALLS: "install_count",
    ScriptSort.RATING: "rating_avg",
    ScriptSort.NAME: "name_key",
}


@pytest.mark.postgres
async def test_a_tag_rare_or_common_walks_its_index_of_the_order_on_postgres(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url)
    try:
        async with seeding_transaction(postgres_database_url) as connection:
            # 100k public scripts, each key in its own order; "common" on every other one,
            # "rare" on one in 100 (1,000 scripts).
            await seed_catalogue(
                connection,
                name_key="md5(n::text)",
                install_count="n::bigint * 7919 % 100003",
                rating_avg="n::bigint * 104729 % 1009 / 200.0",
                updated_at="now() - (n * 31 % 100000) * interval '1 second'",
            )
            await connection.exec_driver_sql(
                "INSERT INTO script_tags (script_id, tag, created_at, updated_at,"
                " install_count, rating_avg, name_key, listed) SELECT id, tag, created_at,"
                " updated_at, install_count, rating_avg, name_key, true FROM scripts JOIN"
                " (VALUES ('common', 2, 0), ('rare', 100, 1)) AS tags (tag, every, at)"
                " ON install_count % every = at"
            )
            await connection.exec_driver_sql("ANALYZE")
        plans = {}
        for tag in ("rare", "common"):
            for sort, key in SORT_KEYS.items():
                query = ScriptQuery(tag=tag, sort=sort)
                with recorded_statements(engine) as statements:
                    # More runs than PostgreSQL needs to switch to a generic plan.
                    for _ in range(7):
                        async with SqlAlchemyUnitOfWork(engine) as uow:
                            page = await uow.scripts.search(query)
                statement, parameters = statements[-1]
                async with engine.connect() as connection:
                    result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                    plans[tag, sort] = "\n".join(row[0] for row in result), key
                    order = [scripts.c[key], scripts.c.id]
                    expected = await connection.execute(
                        select(scripts.c.slug)
                        .join(script_tags, script_tags.c.script_id == scripts.c.id)
                        .where(script_tags.c.tag == tag)
                        .order_by(
                            *(o.asc() if sort is ScriptSort.NAME else o.desc() for o in order)
                        )
                        .limit(2 * query.limit)
                    )
                async with SqlAlchemyUnitOfWork(engine) as uow:
                    second = await uow.scripts.search(
                        ScriptQuery(tag=tag, sort=sort, after=page.next)
                    )
                pages = [script.slug for script in [*page.scripts, *second.scripts]]
                assert pages == list(expected.scalars())
    finally:
        await engine.dispose()

    for (_, sort), (plan, key) in plans.items():
        assert f"ix_script_tags_listed_tag_{key}_script_id" in plan, (sort, plan)
        assert "Sort" not in plan, (sort, plan)
