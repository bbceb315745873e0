"""An install-count fold of N scripts (`ScriptRepository.add_install_counts`, as the install
flusher runs it: one unit of work) on a catalogue `script_lists.py --keep` left on
PostgreSQL, through the product of the tree on PYTHONPATH, each fold rolled back so that the
catalogue stays as it was.

    PYTHONPATH=src .venv/bin/python bench/install_folds.py --database NAME_N [--scripts 1000]
        [--folds 20]

Prints the wall milliseconds of the fold's statements, p50 / mean / max. Run it with each
tree in turn (main's `src/`, then this one's, for a few rounds) to compare what a writer
costs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

from scratch_database import ADMIN_URL
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--scripts", type=int, default=1000)
    parser.add_argument("--folds", type=int, default=20)
    args = parser.parse_args()
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{args.database}"
    # Drawn once (a scan of the whole table), on an engine without the product's deadline.
    drawing = create_async_engine(url, poolclass=pool.NullPool)
    async with drawing.connect() as connection:
        drawn = list(
            await connection.scalars(
                text("SELECT id FROM scripts ORDER BY random() LIMIT :n"), {"n": 20 * args.scripts}
            )
        )
    await drawing.dispose()
    engine = create_engine(url)
    timings = []
    for _ in range(args.folds):
        counts = dict.fromkeys(random.sample(drawn, args.scripts), 1)
        async with SqlAlchemyUnitOfWork(engine) as uow:
            started = time.perf_counter()
            await uow.scripts.add_install_counts(counts)
            timings.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    print(
        f"fold of {args.scripts} scripts, {args.folds} folds: p50 {statistics.median(timings):.1f}"
        f" / mean {statistics.mean(timings):.1f} / max {max(timings):.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
