"""The admin user search (`GET /api/users?q=`) at 100k accounts on PostgreSQL, through the
product's repository as the server runs it (pooled asyncpg, prepared statements, more runs than
it takes PostgreSQL to switch to a generic plan).

    .venv/bin/python bench/user_search.py [--users 100000] [--runs 30]

Creates (and afterwards drops) the database `scripthub_bench_user_search` on
SCRIPTHUB_BENCH_ADMIN_URL (default: the local server's `postgres` database).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from scratch_database import percentiles, scratch_database
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.migrations import upgrade_database
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.users import UserQuery

DATABASE = "scripthub_bench_user_search"
# Rare and absent text is what used to read the whole table; common text stops early anyway.
TERMS = ("zzqx", "qwertyuio", "99999", "zq", "ab", "x", "example", "@example.co")


async def seed(url: str, users: int) -> None:
    await upgrade_database(url)
    # Not the product's engine: its statement deadline would cut the seeding short.
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO users (id, email, username, account_status, created_at, updated_at)"
                " SELECT gen_random_uuid(), name || '@example.com', name, 'active',"
                " now() - n * interval '1 second', now()"
                " FROM (SELECT n, substr(md5(n::text), 1, 8) || n AS name"
                " FROM generate_series(1, :users) AS n) AS numbered"
            ),
            {"users": users},
        )
        await connection.execute(
            text(
                "INSERT INTO user_profiles (user_id, created_at, updated_at)"
                " SELECT id, created_at, updated_at FROM users"
            )
        )
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        # As autovacuum would have by then: a bulk load leaves its rows in the GIN indexes'
        # pending list, which every search would read through.
        await autocommit.execute(text("VACUUM ANALYZE"))
    await engine.dispose()


async def measure(url: str, runs: int) -> None:
    engine = create_engine(url)
    for term in TERMS:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            async with SqlAlchemyUnitOfWork(engine) as uow:
                found = await uow.users.search(UserQuery(text=term, limit=20))
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(times)
        print(f"q={term!r:14} found={len(found):2}  p50={p50:6.1f} ms  p95={p95:6.1f} ms")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    async with scratch_database(DATABASE) as url:
        await seed(url, args.users)
        await measure(url, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
