"""Two transactions that deadlock on PostgreSQL: the one rolled back is a 409 `conflict` that
the client may send again, not a 500."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.errors import database_errors
from scripthub.domain.errors import ConflictError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.postgres


async def lock_both(
    engine: AsyncEngine, first: int, second: int, both_hold_one: asyncio.Barrier
) -> None:
    with database_errors():
        async with engine.begin() as connection:
            lock = text("UPDATE collisions SET hits = hits + 1 WHERE id = :id")
            await connection.execute(lock, {"id": first})
            await both_hold_one.wait()
            await connection.execute(lock, {"id": second})


async def test_the_transaction_postgresql_picks_as_a_deadlock_victim_is_a_conflict(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE collisions (id int PRIMARY KEY, hits int)"))
            await connection.execute(text("INSERT INTO collisions VALUES (1, 0), (2, 0)"))
        both_hold_one = asyncio.Barrier(2)

        outcomes = await asyncio.gather(
            lock_both(engine, 1, 2, both_hold_one),
            lock_both(engine, 2, 1, both_hold_one),
            return_exceptions=True,
        )
    finally:
        await engine.dispose()

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ConflictError", "NoneType"]
    [conflict] = [outcome for outcome in outcomes if isinstance(outcome, ConflictError)]
    assert conflict.code == "conflict"
