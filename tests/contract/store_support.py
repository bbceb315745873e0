"""For the suites of stores whose entries expire: in process by a settable clock, on Redis in
real time, under a key prefix cleared afterwards."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import timedelta

    from tests.unit.world import SettableClock


async def elapse(clock: SettableClock | None, span: timedelta) -> None:
    """Let `span` pass for a store: on its `clock`, or in real time for Redis (None), which
    expires keys by itself."""
    if clock is None:
        await asyncio.sleep(span.total_seconds())
    else:
        clock.advance(span)


async def keys_under(client: aioredis.Redis, prefix: str) -> list[bytes]:
    return [key async for key in client.scan_iter(match=f"{prefix}*")]


@asynccontextmanager
async def redis_client_clearing(
    url: str, prefix: str, **options: Any
) -> AsyncIterator[aioredis.Redis]:
    """A client for `url` (with redis-py `options`); the keys under `prefix` go afterwards."""
    client = aioredis.Redis.from_url(url, **options)
    try:
        yield client
    finally:
        if keys := await keys_under(client, prefix):
            await client.delete(*keys)
        await client.aclose()
