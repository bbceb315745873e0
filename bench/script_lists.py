"""Script lists and search (`GET /api/scripts`, `GET /api/users/me/scripts`) at 100k public
scripts (or `--scripts N`) on PostgreSQL, through the product's repository as the server runs
it (pooled asyncpg, prepared statements, more runs than it takes PostgreSQL to switch to a
generic plan), then the plan PostgreSQL keeps for each statement after 6 executions of it as a
prepared statement.

    .venv/bin/python bench/script_lists.py [--scripts 100000] [--runs 30] [--no-plans]
        [--src DIR/src] [--keep | --reuse]

`--src` times the product of another source tree too (say main's, exported with `git archive
main src | tar -x -C DIR`), one run of each in turn (`side_by_side.py`), so that both meet the
same load. `--reuse` times the lists on the catalogue of that size a run with `--keep` (or
`--reuse`) left, instead of seeding one (a million scripts take minutes to seed), after
migrating it to this tree's schema.

Creates (and afterwards drops, unless kept) the database `scripthub_bench_script_lists_N` (or
`--database NAME` for `NAME_N`) on SCRIPTHUB_BENCH_ADMIN_URL (default: the local server's
`postgres` database).

The data: ~2k owners (one of them with 1,000 scripts), names and descriptions drawn from a
5,000-word vocabulary by a Zipf law (so common and rare words exist), 0-5 tags of 200 (Zipf),
Zipf-like install counts and ratings, 1 in 50 featured, creation over two years; 1 in 10
names end with two or three Chinese words of 300 (Zipf; two Han characters each, written
without spaces). Seeded with COPY; the search rows are written by the adapter's own document
expression from the adapter's own words (`scripts_search.postgres_document`,
`search_words`). Sites: each script has 0-3 `@match` patterns over 3,000 hosts (Zipf, so one
host has about a tenth of the scripts), a third of them with subdomains (`*://*.host/*`), and
1 in 20 scripts runs everywhere; their rows are the adapter's (`site_rows` of
`domain.sites.pattern_sites`). After the lists, `GET /api/sites`'s count (`top_sites`,
uncached) is timed the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kept_plans import generic_plan, recorded
from scratch_database import ADMIN_URL, percentiles, scratch_database
from side_by_side import Baseline, at_page, timed_search
from sqlalchemy import Column, MetaData, Table, Text, Uuid, insert, pool, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.adapters.database_driver import current_revision
from scripthub.adapters.schema_revisions import head_revision
from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.migrations import upgrade_database
from scripthub.adapters.sqlalchemy.scripts_search import (
    SEARCH_COPIES,
    postgres_document,
    postgresql_search,
    search_words,
    tier_of,
    tiered_document,
)
from scripthub.adapters.sqlalchemy.scripts_table import (
    TAG_COPIES,
    script_values,
    scripts,
    site_rows,
)
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import ScriptQuery, ScriptSort
from scripthub.domain.scripts import Language, Script, Visibility, rating_average
from scripthub.domain.sites import SiteTargets, pattern_sites

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy.ext.asyncio import AsyncEngine

DATABASE = "scripthub_bench_script_lists"
OWNERS = 2000
BIG_OWNER_SCRIPTS = 1000
VOCABULARY = 5000
TAGS = 200
HOSTS = 3000
CJK_WORDS = 300
CJK_SHARE = 0.1
NOW = datetime(2026, 12, 1, tzinfo=UTC)
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"] + ["qu", "xi", "ya", "wo"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        # No word the prefix of another: a query for one word matches that word only.
        if word not in seen:
            seen.add(word)
            words.append(word)
    words.sort(key=len, reverse=True)
    kept: list[str] = []
    for word in words:
        if not any(other.startswith(word) for other in kept):
            kept.append(word)
    rng.shuffle(kept)
    return kept


def zipf(rng: random.Random, items: list[Any], s: float = 1.0) -> Callable[[int], list[Any]]:
    weights, total = [], 0.0
    for rank in range(1, len(items) + 1):
        total += 1 / rank**s
        weights.append(total)

    def draw(k: int) -> list[Any]:
        return rng.choices(items, cum_weights=weights, k=k)

    return draw


def cjk_vocabulary(rng: random.Random, size: int) -> list[str]:
    """Words of two Han characters, drawn from 800 of them."""
    characters = [chr(0x4E00 + n) for n in rng.sample(range(0x5000), 800)]
    words = {"".join(rng.sample(characters, 2)) for _ in range(size * 2)}
    return sorted(words)[:size]


@dataclass
class Catalogue:
    words: list[str]
    cjk_words: list[str]
    tags: list[str]
    big_owner: uuid.UUID
    scripts: list[Script]
    hosts: list[str]
    sites: dict[uuid.UUID, SiteTargets]


def site_patterns(rng: random.Random, host: Callable[[int], list[str]]) -> list[str]:
    if rng.random() < 0.05:
        return ["<all_urls>"]
    return [
        f"*://*.{name}/*" if rng.random() < 0.33 else f"https://{name}/*"
        for name in host(rng.randint(0, 3))
    ]


def make_catalogue(size: int, owners: list[uuid.UUID]) -> Catalogue:
    rng = random.Random(20261201)
    words = vocabulary(rng, VOCABULARY)
    tags = words[-TAGS:]  # tag names are words too, of the rare end of the vocabulary
    word = zipf(rng, words[: VOCABULARY - TAGS])
    tag = zipf(rng, tags, 1.1)
    languages = list(Language)
    hosts = [f"{name}.{rng.choice(['com', 'org', 'net', 'io'])}" for name in words[:HOSTS]]
    host = zipf(rng, hosts)
    sites: dict[uuid.UUID, SiteTargets] = {}
    # Drawn apart, so that the rest of the catalogue is the one earlier runs had.
    cjk_rng = random.Random(20261207)
    cjk_words = cjk_vocabulary(cjk_rng, CJK_WORDS)
    cjk_rng.shuffle(cjk_words)
    cjk_word = zipf(cjk_rng, cjk_words)
    scripts_ = []
    for n in range(size):
        owner = owners[0] if n < BIG_OWNER_SCRIPTS else rng.choice(owners[1:])
        name = " ".join(word(rng.randint(2, 4))).capitalize()
        if cjk_rng.random() < CJK_SHARE:
            name += " " + "".join(cjk_word(cjk_rng.randint(2, 3)))
        created = NOW - timedelta(seconds=rng.randrange(2 * 365 * 86400))
        installs = int(rng.paretovariate(1.2)) - 1
        ratings = min(int(rng.paretovariate(1.5)) - 1, 5000)
        scripts_.append(
            Script(
                id=uuid.uuid4(),
                owner_id=owner,
                slug=f"script-{n}",
                name=name,
                language=rng.choices(languages, weights=[30, 40, 10, 10, 6, 3, 1])[0],
                created_at=created,
                updated_at=created + timedelta(seconds=rng.randrange(86400 * 30)),
                description=" ".join(word(rng.randint(8, 30))).capitalize() + ".",
                visibility=Visibility.PUBLIC,
                tags=sorted(set(tag(rng.randint(0, 5)))),
                featured=rng.random() < 0.02,
                install_count=installs * 10,
                rating_sum=sum(rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 6], k=ratings)),
                rating_count=ratings,
            )
        )
        sites[scripts_[-1].id] = pattern_sites(site_patterns(rng, host))
    return Catalogue(words, cjk_words, tags, owners[0], scripts_, hosts, sites)


def catalogue_row(script: Script) -> dict[str, Any]:
    """The `scripts` row of a seeded script, with its counters, antifeatures and featured."""
    return {
        **script_values(script),
        "install_count": script.install_count,
        "rating_sum": script.rating_sum,
        "rating_count": script.rating_count,
        "rating_avg": rating_average(script.rating_sum, script.rating_count) or 0.0,
        "featured": script.featured,
        "antifeatures": script.antifeatures,
    }


def tag_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The `script_tags` rows of a `catalogue_row`, with what they copy of it (`TAG_COPIES`)."""
    listed = row["visibility"] == Visibility.PUBLIC.value and row["deleted_at"] is None
    copies = {name: listed if name == "listed" else row[name] for name in TAG_COPIES}
    return [{"script_id": row["id"], "tag": tag, **copies} for tag in row["tags"]]


def batches(rows: list[Any], size: int = 5000) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def seed(url: str, size: int) -> Catalogue:
    await upgrade_database(url)
    # Not the product's engine: its statement deadline would cut the seeding short.
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.begin() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        owners = [uuid.uuid4() for _ in range(OWNERS)]
        catalogue = make_catalogue(size, owners)
        await raw.copy_records_to_table(
            "users",
            columns=["id", "email", "username", "account_status", "created_at", "updated_at"],
            records=[
                (owner, f"owner{n}@example.com", f"owner{n}", "active", NOW, NOW)
                for n, owner in enumerate(owners, 1)
            ],
        )
        await raw.execute(
            "CREATE UNLOGGED TABLE bench_search_words"
            " (script_id uuid, name text, tags text, description text)"
        )
        for chunk in batches(catalogue.scripts, 50_000):
            await copy_scripts(raw, catalogue, chunk)
        # The search rows are the adapter's own expressions of the adapter's own words.
        rows = (
            select(
                search_words_table.c.script_id,
                postgres_document(
                    search_words_table.c.name,
                    search_words_table.c.tags,
                    search_words_table.c.description,
                ).label("document"),
                tier_of(scripts.c.install_count).label("tier"),
                *(value.label(name) for name, value in SEARCH_COPIES.items()),
            )
            .join(scripts, scripts.c.id == search_words_table.c.script_id)
            .subquery("rows")
        )
        await connection.execute(
            insert(postgresql_search).from_select(
                ["script_id", "document", "tier", "tiered", *SEARCH_COPIES],
                select(
                    rows.c.script_id,
                    rows.c.document,
                    rows.c.tier,
                    tiered_document(rows.c.tier, rows.c.document),
                    *(rows.c[name] for name in SEARCH_COPIES),
                ),
            )
        )
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("DROP TABLE bench_search_words"))
        # As autovacuum would have by then: a bulk load leaves its rows in the GIN index's
        # pending list, which every search would read through.
        await autocommit.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return catalogue


search_words_table = Table(
    "bench_search_words",
    MetaData(),
    Column("script_id", Uuid()),
    Column("name", Text()),
    Column("tags", Text()),
    Column("description", Text()),
)
"""Each script's words (`search_words`), copied in before the documents are made of them."""


async def copy_scripts(raw: Any, catalogue: Catalogue, chunk: list[Script]) -> None:
    """COPY the rows of `chunk` into `scripts`, `script_tags`, `script_sites` and the words
    table."""
    rows = [catalogue_row(script) for script in chunk]
    columns = list(rows[0])
    documents = {"tags", "antifeatures", "localized"}
    await raw.copy_records_to_table(
        "scripts",
        columns=columns,
        records=[
            [json.dumps(row[c]) if c in documents else row[c] for c in columns] for row in rows
        ],
    )
    tags = [tag for row in rows for tag in tag_rows(row)]
    await raw.copy_records_to_table(
        "script_tags", columns=list(tags[0]), records=[list(tag.values()) for tag in tags]
    )
    await raw.copy_records_to_table(
        "script_sites",
        columns=["script_id", "host", "subdomains"],
        records=[
            (row["script_id"], row["host"], row["subdomains"])
            for s in chunk
            for row in site_rows(s.id, catalogue.sites[s.id])
        ],
    )
    await raw.copy_records_to_table(
        "bench_search_words",
        columns=["script_id", "name", "tags", "description"],
        records=[(s.id, *search_words(s).values()) for s in chunk],
    )


def frequency(catalogue: Catalogue, word: str) -> int:
    return sum(
        1
        for s in catalogue.scripts
        if word
        in f" {s.name.lower()} {s.description.lower()} {' '.join(s.tags)} ".replace(
            ".", " "
        ).split()
    )


def queries(catalogue: Catalogue) -> dict[str, tuple[ScriptQuery, int]]:
    """Each list as the use cases ask for it, and the page to time (following the cursor)."""
    words = catalogue.words
    common, second, some, rare = words[0], words[3], words[50], words[2500]
    tag_count: dict[str, int] = {}
    for script in catalogue.scripts:
        for tag in script.tags:
            tag_count[tag] = tag_count.get(tag, 0) + 1
    tags = sorted(tag_count, key=tag_count.__getitem__, reverse=True)
    site_count: dict[str, int] = {}
    for sites in catalogue.sites.values():
        for name in sites.hosts | sites.domains:
            site_count[name] = site_count.get(name, 0) + 1
    by_count = sorted(site_count, key=site_count.__getitem__, reverse=True)
    top_site, rare_site = by_count[0], by_count[len(by_count) // 2]
    relevance = ScriptSort.RELEVANCE
    own = ScriptQuery(owner_id=catalogue.big_owner, visibilities=frozenset(Visibility))
    cjk = catalogue.cjk_words
    return {
        f"q={common} (common)": (ScriptQuery(text=common, sort=relevance), 1),
        f"q={common} (common) page 10": (ScriptQuery(text=common, sort=relevance), 10),
        f"q={common} (common) page 60, past the ranked": (
            ScriptQuery(text=common, sort=relevance),
            60,
        ),
        f"q={some} (some)": (ScriptQuery(text=some, sort=relevance), 1),
        f"q={rare} (rare)": (ScriptQuery(text=rare, sort=relevance), 1),
        f"q={common} {second} (two words)": (
            ScriptQuery(text=f"{common} {second}", sort=relevance),
            1,
        ),
        f"q={cjk[0]} (CJK, common)": (ScriptQuery(text=cjk[0], sort=relevance), 1),
        f"q={cjk[0]}{cjk[7]} (CJK, two words)": (
            ScriptQuery(text=cjk[0] + cjk[7], sort=relevance),
            1,
        ),
        f"q={cjk[-1]} (CJK, rare)": (ScriptQuery(text=cjk[-1], sort=relevance), 1),
        f"q={common}&sort=installs": (ScriptQuery(text=common, sort=ScriptSort.INSTALLS), 1),
        f"q={common}&tag={tags[0]}": (ScriptQuery(text=common, tag=tags[0], sort=relevance), 1),
        f"q={common}&language=css": (
            ScriptQuery(text=common, language=Language.CSS, sort=relevance),
            1,
        ),
        f"tag={tags[0]} (common)": (ScriptQuery(tag=tags[0]), 1),
        f"tag={tags[-1]} (rare)": (ScriptQuery(tag=tags[-1]), 1),
        **{
            f"tag={tag} ({kind})&sort={sort.value}": (ScriptQuery(tag=tag, sort=sort), 1)
            for tag, kind in ((tags[0], "common"), (tags[-1], "rare"))
            for sort in (
                ScriptSort.UPDATED,
                ScriptSort.INSTALLS,
                ScriptSort.RATING,
                ScriptSort.NAME,
            )
        },
        "newest (the default)": (ScriptQuery(), 1),
        "newest page 50": (ScriptQuery(), 50),
        "sort=updated": (ScriptQuery(sort=ScriptSort.UPDATED), 1),
        "sort=installs page 1": (ScriptQuery(sort=ScriptSort.INSTALLS), 1),
        "sort=installs page 10": (ScriptQuery(sort=ScriptSort.INSTALLS), 10),
        "sort=rating": (ScriptQuery(sort=ScriptSort.RATING), 1),
        "sort=name": (ScriptQuery(sort=ScriptSort.NAME), 1),
        "language=css": (ScriptQuery(language=Language.CSS), 1),
        "language=css&sort=installs": (
            ScriptQuery(language=Language.CSS, sort=ScriptSort.INSTALLS),
            1,
        ),
        "featured=true": (ScriptQuery(featured=True), 1),
        "antifeature=none": (ScriptQuery(without_antifeatures=True), 1),
        "author (1,000 scripts)": (ScriptQuery(owner_id=catalogue.big_owner), 1),
        "author (1,000 scripts)&sort=installs": (
            ScriptQuery(owner_id=catalogue.big_owner, sort=ScriptSort.INSTALLS),
            1,
        ),
        f"author&q={common}": (
            ScriptQuery(owner_id=catalogue.big_owner, text=common, sort=relevance),
            1,
        ),
        "users/me/scripts (1,000 scripts) page 1": (own, 1),
        "users/me/scripts page 10": (own, 10),
        f"site={top_site} (common)": (ScriptQuery(site=top_site), 1),
        f"site={top_site} page 10": (ScriptQuery(site=top_site), 10),
        f"site={top_site}&sort=installs": (ScriptQuery(site=top_site, sort=ScriptSort.INSTALLS), 1),
        f"site={top_site}&sort=name": (ScriptQuery(site=top_site, sort=ScriptSort.NAME), 1),
        f"site={top_site}&all_sites=true": (ScriptQuery(site=top_site, all_sites=True), 1),
        f"site=sub.{top_site} (subdomain)": (ScriptQuery(site=f"sub.{top_site}"), 1),
        f"site={rare_site} (rare)": (ScriptQuery(site=rare_site), 1),
        f"site={top_site}&q={common}": (
            ScriptQuery(site=top_site, text=common, sort=relevance),
            1,
        ),
    }


async def measure(
    url: str,
    catalogue: Catalogue,
    runs: int,
    *,
    plans: bool,
    baseline: Baseline | None,
    only: str | None = None,
    ranked_matches: int | None = None,
) -> None:
    engine = create_engine(url)
    sent: dict[str, tuple[str, Any]] = {}
    for label, (asked, page_number) in queries(catalogue).items():
        if only is not None and only not in label:
            continue
        query = asked
        if ranked_matches is not None:
            query = dataclasses.replace(asked, ranked_matches=ranked_matches)
        row, sent[label] = await time_list(engine, label, query, page_number, runs, baseline)
        print(row, flush=True)
    if only is None:
        await time_top_sites(engine, runs, plans=plans)
    if plans:
        for label, (statement, parameters) in sent.items():
            print(f"\n#### {label}\n\n```")
            print(await generic_plan(engine, statement, parameters))
            print("```", flush=True)
    await engine.dispose()


async def time_list(
    engine: AsyncEngine,
    label: str,
    query: ScriptQuery,
    page_number: int,
    runs: int,
    baseline: Baseline | None,
    target_ms: float = 50,
) -> tuple[str, tuple[str, Any]]:
    """`runs` timings of one list's page (and of `baseline`'s, in turn): its report row, and
    the page's statement as last sent (the last one: SQLite counts what some filters select
    first)."""
    timed = await at_page(engine, query, page_number)
    times, baseline_times = [], []
    for _ in range(runs):
        with recorded(engine) as statements:
            elapsed, found = await timed_search(engine, timed)
        times.append(elapsed)
        if baseline is not None:
            baseline_times.append(await baseline.time(query, page_number))
    p50, p95 = percentiles(times)
    verdict = "PASS" if p95 <= target_ms else "**FAIL**"
    before = ""
    if baseline is not None:
        before_p50, before_p95 = percentiles(baseline_times)
        before = f" {before_p50:.1f} / {before_p95:.1f} |"
    row = f"| {label} | {len(found.scripts)} |{before} {p50:.1f} / {p95:.1f} | {verdict} |"
    page = [s for s in statements if s[0].lstrip().startswith(("SELECT", "WITH"))][-1]
    return row, page


async def time_top_sites(engine: AsyncEngine, runs: int, *, plans: bool) -> None:
    """`GET /api/sites`'s count, uncached (each process runs it once a minute at most)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with recorded(engine) as statements:
            async with SqlAlchemyUnitOfWork(engine) as uow:
                top = await uow.scripts.top_sites(100)
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(times)
    print(f"| top_sites(100), uncached | {len(top)} | {p50:.1f} / {p95:.1f} | (cached) |")
    if plans:
        [(statement, parameters)] = [s for s in statements if s[0].lstrip().startswith("SELECT")]
        print(f"\n#### top_sites\n\n```\n{await generic_plan(engine, statement, parameters)}\n```")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--database",
        default=DATABASE,
        help=f"the database's name, before `_N` (default {DATABASE}): a bench of its own",
    )
    parser.add_argument("--only", help="only the lists whose label has this text")
    parser.add_argument(
        "--ranked-matches",
        type=int,
        help="how many matches relevance ranks (ScriptQuery.ranked_matches; default its own)",
    )
    parser.add_argument(
        "--src",
        type=Path,
        help="also time the product of this source tree (its src/ folder, e.g. main's from"
        " `git archive main src | tar -x -C DIR`), one run each in turn",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the lists on the catalogue of this size a run with --keep left, seeding"
        " and keeping one if there is none",
    )
    args = parser.parse_args()
    database = f"{args.database}_{args.scripts}"
    reused = await kept_catalogue(database, args.scripts) if args.reuse else None
    async with contextlib.AsyncExitStack() as stack:
        if reused is None:
            url = await stack.enter_async_context(
                scratch_database(database, keep=args.keep or args.reuse)
            )
            started = time.perf_counter()
            catalogue = await seed(url, args.scripts)
            print(f"seeded {args.scripts} scripts in {time.perf_counter() - started:.0f} s")
        else:
            url, catalogue = reused
        for word in (
            catalogue.words[0],
            catalogue.words[3],
            catalogue.words[50],
            catalogue.words[2500],
        ):
            print(f"scripts with {word!r}: {frequency(catalogue, word)}")
        baseline = None
        before = ""
        if args.src is not None:
            baseline = await stack.enter_async_context(Baseline.started(args.src, url))
            before = f" {args.src} p50 / p95 ms |"
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        print(f"\n| list | scripts |{before} this tree p50 / p95 ms | ≤ 50 ms p95 |")
        print("|---|---|" + "---|" * (3 if baseline else 2))
        await measure(
            url,
            catalogue,
            args.runs,
            plans=not args.no_plans,
            baseline=baseline,
            only=args.only,
            ranked_matches=args.ranked_matches,
        )
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


async def kept_catalogue(database: str, size: int) -> tuple[str, Catalogue] | None:
    """The URL and catalogue of `database` if a run with `--keep` seeded it with `size`
    scripts (the same catalogue again: it is drawn from a fixed seed, but for the ids)."""
    admin = create_async_engine(ADMIN_URL, poolclass=pool.NullPool)
    async with admin.connect() as connection:
        exists = await connection.scalar(
            text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": database}
        )
    await admin.dispose()
    if not exists:
        return None
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    # Kept by an earlier tree, perhaps: brought to this tree's schema first, then analyzed
    # as after seeding.
    migrated = await current_revision(url) != head_revision()
    await upgrade_database(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    if migrated:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    async with engine.connect() as connection:
        if await connection.scalar(text("SELECT count(*) FROM scripts")) != size:
            msg = f"{database} is not a whole catalogue of {size} scripts: drop it"
            raise SystemExit(msg)
        result = await connection.execute(text("SELECT id, username FROM users"))
        owners = [row.id for row in sorted(result, key=lambda row: int(row.username[5:]))]
    await engine.dispose()
    return url, make_catalogue(size, owners)


if __name__ == "__main__":
    asyncio.run(main())
