"""Script lists and search (`GET /api/scripts`, `GET /api/users/me/scripts`) at 100k public
scripts on SQLite, the embedded default: `script_lists.py`'s catalogue and lists, through the
product's repository and engine as the server runs them (aiosqlite, its connection PRAGMAs),
then SQLite's EXPLAIN QUERY PLAN of each statement as it was sent.

    .venv/bin/python bench/script_lists_sqlite.py [--scripts 100000] [--runs 30] [--no-plans]
        [--database FILE] [--src DIR/src]

The catalogue is `script_lists.make_catalogue`'s, with two additions of this bench's: 1 in
10 scripts has a CJK name of `cjk_recall.SAMPLE`'s in front of its own (so that CJK words
are searched for: `下载` is common, `豆瓣` rare), and 1 in 20 declares an antifeature. Rows
are written by executemany in one transaction, the search rows by the adapter's own words
and rowid (`search_words`, `search_rowid`), the site rows by `site_rows`.

The database is a file in a temporary folder, deleted afterwards; `--database FILE` keeps
it there, and a FILE that exists is used as it is, without seeding (the catalogue is made
again from the same seed: same words, tags, sites and owners, other script ids).

`--src` times the product of another source tree too (its `src/`, with `alembic/` beside it:
`git archive main src alembic | tar -x -C DIR`), one run of each in turn (`side_by_side.py`),
on a copy of the database at that tree's newest migration and with its own engine, while this
tree migrates its own copy to its head.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cjk_recall import SAMPLE
from script_lists import (
    NOW,
    OWNERS,
    batches,
    catalogue_row,
    frequency,
    make_catalogue,
    queries,
    tag_rows,
    time_list,
)
from side_by_side import Baseline
from sqlalchemy import insert, inspect, pool
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.migrations import upgrade_database
from scripthub.adapters.sqlalchemy.script_probes import COMMON
from scripthub.adapters.sqlalchemy.scripts_search import search_rowid, search_words, sqlite_search
from scripthub.adapters.sqlalchemy.scripts_table import (
    script_sites,
    script_tags,
    scripts,
    site_rows,
)
from scripthub.adapters.sqlalchemy.users_table import users
from scripthub.application.ports.scripts import ScriptQuery, ScriptSort
from scripthub.domain.scripts import Language, Visibility

if TYPE_CHECKING:
    from script_lists import Catalogue
    from sqlalchemy.ext.asyncio import AsyncEngine

TARGET_MS = 100
BOUNDARY_WORD = 240
"""A word of about `COMMON` scripts in the seeded catalogue (Zipf: ~243k / rank)."""
COMMON_CJK, RARE_CJK = "下载", "豆瓣"


def owner_ids() -> list[uuid.UUID]:
    """The same owners every time, so that a kept database and a catalogue made again agree."""
    return [uuid.UUID(int=(1 << 96) + n) for n in range(OWNERS)]


def with_cjk_and_antifeatures(catalogue: Catalogue) -> Catalogue:
    rng = random.Random(20261207)
    names = list(SAMPLE)
    changed = []
    for script in catalogue.scripts:
        name, antifeatures = script.name, script.antifeatures
        if rng.random() < 0.1:
            name = f"{rng.choice(names)} {name}"
        if rng.random() < 0.05:
            antifeatures = ["ads"]
        changed.append(dataclasses.replace(script, name=name, antifeatures=antifeatures))
    return dataclasses.replace(catalogue, scripts=changed)


async def seed(url: str, size: int, revision: str) -> Catalogue:
    await upgrade_database(url, revision)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    owners = owner_ids()
    catalogue = with_cjk_and_antifeatures(make_catalogue(size, owners))
    async with engine.begin() as connection:
        # A tree before 0015 keeps no copies in its tag rows.
        tag_columns = await connection.run_sync(
            lambda sync: [c["name"] for c in inspect(sync).get_columns("script_tags")]
        )
        await connection.execute(
            insert(users),
            [
                {
                    "id": owner,
                    "email": f"owner{n}@example.com",
                    "username": f"owner{n}",
                    "account_status": "active",
                    "created_at": NOW - timedelta(hours=n),
                    "updated_at": NOW,
                }
                for n, owner in enumerate(owners, start=1)
            ],
        )
        for chunk in batches(catalogue.scripts, 20_000):
            rows = [catalogue_row(s) for s in chunk]
            await connection.execute(insert(scripts), rows)
            tags = [tag for row in rows for tag in tag_rows(row)]
            await connection.execute(
                insert(script_tags), [{c: tag[c] for c in tag_columns} for tag in tags]
            )
            await connection.execute(
                insert(script_sites),
                [row for s in chunk for row in site_rows(s.id, catalogue.sites[s.id])],
            )
            await connection.execute(
                insert(sqlite_search),
                [
                    {"rowid": search_rowid(s.id), "script_id": s.id, **search_words(s)}
                    for s in chunk
                ],
            )
    await engine.dispose()
    return catalogue


def nearest(counts: Counter[str], wanted: int) -> str:
    return min(counts, key=lambda name: abs(counts[name] - wanted))


def sqlite_queries(catalogue: Catalogue) -> dict[str, tuple[ScriptQuery, int]]:
    """`script_lists.queries`, and the lists and words it leaves out: among them a tag, a
    site and a word of about `script_probes.COMMON` scripts, where the statement's shape
    changes (the dearest of both shapes)."""
    owned = sum(1 for s in catalogue.scripts if s.owner_id == catalogue.scripts[-1].owner_id)
    some_owner = catalogue.scripts[-1].owner_id
    public = frozenset({Visibility.PUBLIC})
    tags = Counter(tag for script in catalogue.scripts for tag in script.tags)
    sites = Counter(
        name for targets in catalogue.sites.values() for name in targets.hosts | targets.domains
    )
    tag, site, word = nearest(tags, COMMON), nearest(sites, COMMON), catalogue.words[BOUNDARY_WORD]
    return {
        **queries(catalogue),
        f"tag={tag} ({tags[tag]} scripts)&sort=installs": (
            ScriptQuery(tag=tag, sort=ScriptSort.INSTALLS),
            1,
        ),
        f"site={site} ({sites[site]} scripts)&sort=name": (
            ScriptQuery(site=site, sort=ScriptSort.NAME),
            1,
        ),
        f"q={word} ({frequency(catalogue, word)} scripts)&sort=updated": (
            ScriptQuery(text=word, sort=ScriptSort.UPDATED),
            1,
        ),
        "language=javascript&sort=rating": (
            ScriptQuery(language=Language.JAVASCRIPT, sort=ScriptSort.RATING),
            1,
        ),
        f"tag={catalogue.tags[0]}&language=css&sort=name": (
            ScriptQuery(tag=catalogue.tags[0], language=Language.CSS, sort=ScriptSort.NAME),
            1,
        ),
        "sort=newest page 1": (ScriptQuery(), 1),
        "sort=newest page 50": (ScriptQuery(), 50),
        "sort=updated": (ScriptQuery(sort=ScriptSort.UPDATED), 1),
        "sort=name page 10": (ScriptQuery(sort=ScriptSort.NAME), 10),
        "antifeature=none": (ScriptQuery(without_antifeatures=True), 1),
        "antifeature=none&sort=installs": (
            ScriptQuery(without_antifeatures=True, sort=ScriptSort.INSTALLS),
            1,
        ),
        "language=css&sort=installs": (
            ScriptQuery(language=Language.CSS, sort=ScriptSort.INSTALLS),
            1,
        ),
        "featured=true&sort=rating": (ScriptQuery(featured=True, sort=ScriptSort.RATING), 1),
        "author=owner1 (1,000 scripts)": (
            ScriptQuery(owner_id=catalogue.big_owner, visibilities=public),
            1,
        ),
        "author=owner1 page 10": (
            ScriptQuery(owner_id=catalogue.big_owner, visibilities=public),
            10,
        ),
        f"author=(one of {owned} scripts)&sort=installs": (
            ScriptQuery(owner_id=some_owner, visibilities=public, sort=ScriptSort.INSTALLS),
            1,
        ),
        f"q={COMMON_CJK} (CJK, common)": (
            ScriptQuery(text=COMMON_CJK, sort=ScriptSort.RELEVANCE),
            1,
        ),
        f"q={RARE_CJK} (CJK, rare)": (ScriptQuery(text=RARE_CJK, sort=ScriptSort.RELEVANCE), 1),
        f"q={catalogue.words[0]}&sort=newest": (ScriptQuery(text=catalogue.words[0]), 1),
        f"q={catalogue.words[2500]}&sort=installs (rare)": (
            ScriptQuery(text=catalogue.words[2500], sort=ScriptSort.INSTALLS),
            1,
        ),
        f"tag={catalogue.tags[0]}&sort=installs": (
            ScriptQuery(tag=catalogue.tags[0], sort=ScriptSort.INSTALLS),
            1,
        ),
    }


async def measure(
    engine: AsyncEngine,
    lists: dict[str, tuple[ScriptQuery, int]],
    runs: int,
    *,
    plans: bool,
    baseline: Baseline | None,
) -> None:
    sent: dict[str, tuple[str, Any]] = {}
    for label, (query, page_number) in lists.items():
        row, sent[label] = await time_list(
            engine, label, query, page_number, runs, baseline, TARGET_MS
        )
        print(row, flush=True)
    if plans:
        for label, (statement, parameters) in sent.items():
            print(f"\n#### {label}\n\n```\n{await query_plan(engine, statement, parameters)}\n```")


async def query_plan(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    """SQLite's EXPLAIN QUERY PLAN of `statement`, as the indented tree the shell prints."""
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        depth: dict[int, int] = {0: -1}
        lines = []
        for node, parent, _, detail in result:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
    return "\n".join(lines)


def head_of(src: Path) -> str:
    """The newest migration of the source tree `src`."""
    code = "from scripthub.adapters.schema_revisions import head_revision as h; print(h())"
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--only", help="only the lists whose label holds this text")
    parser.add_argument(
        "--database", type=Path, help="seed into this file and keep it; seeded already: use it"
    )
    parser.add_argument(
        "--src",
        type=Path,
        help="also time the product of this source tree (its src/ folder, with alembic/ beside"
        " it: `git archive main src alembic | tar -x -C DIR`), one run each in turn",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="script-lists-") as folder:
        seeded = args.database or Path(folder, "seeded.db")
        if seeded.exists():
            catalogue = with_cjk_and_antifeatures(make_catalogue(args.scripts, owner_ids()))
        else:
            started = time.perf_counter()
            revision = "head" if args.src is None else head_of(args.src)
            catalogue = await seed(f"sqlite+aiosqlite:///{seeded}", args.scripts, revision)
            print(f"seeded {args.scripts} scripts in {time.perf_counter() - started:.0f} s")
        # Each tree on a copy of its own, which it migrates (or not) to its own head.
        url = f"sqlite+aiosqlite:///{shutil.copyfile(seeded, Path(folder, 'this.db'))}"
        async with contextlib.AsyncExitStack() as stack:
            baseline = None
            before = ""
            if args.src is not None:
                copy = shutil.copyfile(seeded, Path(folder, "baseline.db"))
                baseline = await stack.enter_async_context(
                    Baseline.started(args.src, f"sqlite+aiosqlite:///{copy}")
                )
                before = f" {args.src} p50 / p95 ms |"
            started = time.perf_counter()
            await upgrade_database(url)
            print(f"migrated to head in {time.perf_counter() - started:.1f} s")
            for word in (*catalogue.words[:4:3], catalogue.words[50], catalogue.words[2500]):
                print(f"scripts with {word!r}: {frequency(catalogue, word)}")
            print(load())
            print(f"\n| list | scripts |{before} this tree p50 / p95 ms | ≤ {TARGET_MS} ms p95 |")
            print("|---|---|" + "---|" * (3 if baseline else 2))
            engine = create_engine(url)
            lists = {
                label: query
                for label, query in sqlite_queries(catalogue).items()
                if args.only is None or args.only in label
            }
            await measure(engine, lists, args.runs, plans=not args.no_plans, baseline=baseline)
            await engine.dispose()
            print(load())


if __name__ == "__main__":
    asyncio.run(main())
