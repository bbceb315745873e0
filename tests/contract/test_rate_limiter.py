"""The RateLimiter contract, run against every adapter of the port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest
import redis.asyncio as aioredis

from scripthub.adapters.memory import InMemoryRateLimiter
from scripthub.adapters.redis import RedisHealthProbe, RedisRateLimiter
from scripthub.application.ports.system import RateLimiter
from scripthub.domain.errors import ServiceUnavailableError

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"


class ManualClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


class Backend(Protocol):
    limiter: RateLimiter

    async def outlive_window(self, window_seconds: int) -> None: ...

    async def close(self) -> None: ...


class MemoryBackend:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.limiter: RateLimiter = InMemoryRateLimiter(self.clock)

    async def outlive_window(self, window_seconds: int) -> None:
        self.clock.current += timedelta(seconds=window_seconds)

    async def close(self) -> None:
        pass


class RedisBackend:
    def __init__(self, url: str, prefix: str) -> None:
        self._client = aioredis.Redis.from_url(url)
        self._prefix = prefix
        self.limiter: RateLimiter = RedisRateLimiter(self._client, prefix=prefix)

    async def outlive_window(self, window_seconds: int) -> None:
        # Redis ends windows in real time.
        await asyncio.sleep(window_seconds + 0.1)

    async def close(self) -> None:
        async for key in self._client.scan_iter(match=f"{self._prefix}*"):
            await self._client.delete(key)
        await self._client.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest) -> Backend:
    # Resolved in a synchronous fixture: the service fixtures run their own event loop.
    if request.param == "redis":
        return RedisBackend(
            request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
        )
    return MemoryBackend()


@pytest.fixture
async def limiter(backend: Backend) -> AsyncIterator[RateLimiter]:
    yield backend.limiter
    await backend.close()


async def test_hits_past_the_limit_are_refused(limiter: RateLimiter) -> None:
    states = [await limiter.hit("login:203.0.113.7", 3, 60) for _ in range(4)]

    assert [state.allowed for state in states] == [True, True, True, False]
    assert [state.remaining for state in states] == [2, 1, 0, 0]
    assert {state.limit for state in states} == {3}
    assert all(0 < state.reset_after <= 60 for state in states)


async def test_keys_are_counted_apart(limiter: RateLimiter) -> None:
    await limiter.hit("login:203.0.113.7", 1, 60)

    refused = await limiter.hit("login:203.0.113.7", 1, 60)
    other = await limiter.hit("login:198.51.100.1", 1, 60)

    assert not refused.allowed
    assert other.allowed
    assert other.remaining == 0


async def test_a_new_window_starts_the_count_again(backend: Backend, limiter: RateLimiter) -> None:
    await limiter.hit("api:203.0.113.7", 1, 1)
    assert not (await limiter.hit("api:203.0.113.7", 1, 1)).allowed

    await backend.outlive_window(1)

    state = await limiter.hit("api:203.0.113.7", 1, 1)
    assert state.allowed
    assert state.remaining == 0
    assert state.reset_after == 1


async def test_memory_window_counts_down_with_the_clock() -> None:
    clock = ManualClock()
    limiter = InMemoryRateLimiter(clock)
    await limiter.hit("k", 5, 60)
    clock.current += timedelta(seconds=20.5)

    state = await limiter.hit("k", 5, 60)

    assert state.reset_after == 40
    assert state.remaining == 3


@pytest.mark.redis
async def test_redis_health_probe_answers(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    try:
        assert await RedisHealthProbe(client).healthy()
    finally:
        await client.aclose()


async def test_redis_adapters_without_a_server_are_unavailable() -> None:
    client = aioredis.Redis.from_url(CLOSED_PORT_URL, socket_connect_timeout=1)
    try:
        with pytest.raises(ServiceUnavailableError):
            await RedisRateLimiter(client).hit("k", 1, 60)
        assert not await RedisHealthProbe(client, timeout=1).healthy()
    finally:
        await client.aclose()
