"""The LoginThrottle contract, run against every adapter of the port."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import pytest
import redis.asyncio as aioredis

from scripthub.adapters.memory import InMemoryLoginThrottle
from scripthub.adapters.redis import RedisLoginThrottle
from scripthub.application.ports.login_throttle import ThrottlePolicy
from scripthub.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scripthub.application.ports.login_throttle import LoginThrottle

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
CLIENT = "203.0.113.7"
EMAIL = "ada@example.com"
LADDER = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
"""The blocks of the default policy, from the 10th failure on, in seconds."""


class Backend(Protocol):
    async def throttle(self) -> LoginThrottle:
        """A handle on the backend's one store (with its own connection where there is one)."""

    async def close(self) -> None: ...


class MemoryBackend:
    def __init__(self) -> None:
        self._throttle = InMemoryLoginThrottle()

    async def throttle(self) -> LoginThrottle:
        return self._throttle

    async def close(self) -> None:
        pass


class RedisBackend:
    def __init__(self, url: str, prefix: str) -> None:
        self._url = url
        self.prefix = prefix
        self.clients: list[aioredis.Redis] = []

    async def throttle(self) -> LoginThrottle:
        client = aioredis.Redis.from_url(self._url)
        self.clients.append(client)
        return RedisLoginThrottle(client, prefix=self.prefix)

    async def close(self) -> None:
        cleaner = aioredis.Redis.from_url(self._url)
        async for key in cleaner.scan_iter(match=f"{self.prefix}*"):
            await cleaner.delete(key)
        for client in [*self.clients, cleaner]:
            await client.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def new_backend(request: pytest.FixtureRequest) -> Backend:
    # Resolved in a synchronous fixture: the service fixtures run their own event loop.
    if request.param == "redis":
        return RedisBackend(
            request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
        )
    return MemoryBackend()


@pytest.fixture
async def backend(new_backend: Backend) -> AsyncIterator[Backend]:
    yield new_backend
    await new_backend.close()


@pytest.fixture
async def throttle(backend: Backend) -> LoginThrottle:
    return await backend.throttle()


async def fail(
    throttle: LoginThrottle, times: int, now: datetime = START, client: str = CLIENT
) -> list[int | None]:
    return [await throttle.record_failure(client, EMAIL, now) for _ in range(times)]


async def test_the_tenth_failure_blocks_the_client_for_a_second(throttle: LoginThrottle) -> None:
    assert await fail(throttle, 9) == [None] * 9
    assert await throttle.check(CLIENT, EMAIL, START) is None

    assert await fail(throttle, 1) == [1]

    assert await throttle.check(CLIENT, EMAIL, START) == 1
    assert await throttle.check(CLIENT, EMAIL, START + timedelta(milliseconds=999)) == 1
    assert await throttle.check(CLIENT, EMAIL, START + timedelta(seconds=1)) is None


async def test_each_further_failure_doubles_the_block_up_to_fifteen_minutes(
    throttle: LoginThrottle,
) -> None:
    blocks = await fail(throttle, 9 + len(LADDER))

    assert blocks[9:] == LADDER
    assert await throttle.check(CLIENT, EMAIL, START + timedelta(seconds=899.5)) == 1


async def test_the_wait_counts_down_in_whole_seconds_rounded_up(throttle: LoginThrottle) -> None:
    await fail(throttle, 12)  # a 4 s block

    assert await throttle.check(CLIENT, EMAIL, START + timedelta(seconds=1.5)) == 3
    assert await throttle.check(CLIENT, EMAIL, START + timedelta(seconds=3.9)) == 1


async def test_only_that_client_is_blocked_and_only_for_that_email(
    throttle: LoginThrottle,
) -> None:
    await fail(throttle, 10)

    assert await throttle.check("198.51.100.1", EMAIL, START) is None
    assert await throttle.check(CLIENT, "grace@example.com", START) is None
    assert await throttle.record_failure("198.51.100.1", EMAIL, START) is None


async def test_a_reset_forgets_the_clients_failures(throttle: LoginThrottle) -> None:
    await fail(throttle, 11)
    await fail(throttle, 10, client="198.51.100.1")

    await throttle.reset(CLIENT, EMAIL)

    assert await throttle.check(CLIENT, EMAIL, START) is None
    assert await fail(throttle, 9) == [None] * 9
    assert await throttle.check("198.51.100.1", EMAIL, START) == 1


async def test_failures_below_the_threshold_expire_fifteen_minutes_after_the_first(
    throttle: LoginThrottle,
) -> None:
    await fail(throttle, 5)
    await fail(throttle, 4, START + timedelta(minutes=14))

    later = START + timedelta(minutes=15)
    assert await fail(throttle, 9, later) == [None] * 9
    assert await fail(throttle, 1, later) == [1]


async def test_a_blocked_count_lives_fifteen_minutes_after_the_latest_failure(
    throttle: LoginThrottle,
) -> None:
    await fail(throttle, 10)
    fourteen_minutes = timedelta(minutes=14)

    assert await fail(throttle, 1, START + fourteen_minutes) == [2]
    assert await fail(throttle, 1, START + 2 * fourteen_minutes) == [4]
    quiet = START + 2 * fourteen_minutes + timedelta(minutes=15)
    assert await throttle.check(CLIENT, EMAIL, quiet) is None
    assert await fail(throttle, 1, quiet) == [None]


async def test_concurrent_failures_from_many_processes_are_each_counted(
    backend: Backend,
) -> None:
    processes = [await backend.throttle() for _ in range(5)]

    blocks = await asyncio.gather(
        *(processes[n % 5].record_failure(CLIENT, EMAIL, START) for n in range(9 + len(LADDER)))
    )

    assert sorted(block or 0 for block in blocks) == [0] * 9 + LADDER


async def test_a_memory_throttle_forgets_the_stalest_count_past_its_size() -> None:
    throttle = InMemoryLoginThrottle(ThrottlePolicy(threshold=1), max_entries=2)
    await throttle.record_failure("a", EMAIL, START)
    await throttle.record_failure("b", EMAIL, START)
    await throttle.record_failure("a", EMAIL, START)

    await throttle.record_failure("c", EMAIL, START)

    assert await throttle.check("a", EMAIL, START) == 2
    assert await throttle.check("b", EMAIL, START) is None
    assert await throttle.check("c", EMAIL, START) == 1


@pytest.mark.redis
async def test_redis_keys_name_no_email_and_expire_with_the_count(
    redis_url: str, redis_prefix: str
) -> None:
    backend = RedisBackend(redis_url, redis_prefix)
    try:
        await fail(await backend.throttle(), 10, datetime.now(UTC))
        keys = [key async for key in backend.clients[0].scan_iter(match=f"{backend.prefix}*")]
        assert len(keys) == 1
        assert EMAIL.encode() not in keys[0]
        assert 890_000 < await backend.clients[0].pttl(keys[0]) <= 900_000
    finally:
        await backend.close()


def test_a_policy_whose_blocks_could_outlive_its_window_is_refused() -> None:
    with pytest.raises(ValueError, match="max_delay <= window"):
        ThrottlePolicy(max_delay=timedelta(minutes=16))


async def test_redis_throttle_without_a_server_is_unavailable() -> None:
    client = aioredis.Redis.from_url(CLOSED_PORT_URL, socket_connect_timeout=1)
    throttle = RedisLoginThrottle(client)
    try:
        for call in (
            throttle.check(CLIENT, EMAIL, START),
            throttle.record_failure(CLIENT, EMAIL, START),
            throttle.reset(CLIENT, EMAIL),
        ):
            with pytest.raises(ServiceUnavailableError):
                await call
    finally:
        await client.aclose()
