"""The LatestCodeStore contract, run against every adapter of the port."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import redis.asyncio as aioredis

from scripthub.adapters.memory import InMemoryLatestCodeStore, InMemoryRateLimiter
from scripthub.adapters.redis import RedisLatestCodeStore, RedisRateLimiter
from scripthub.application.ports.latest_code import CodeValidators
from scripthub.application.ports.system import RateCharge
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.domain.scripts import Visibility
from tests.contract.store_support import elapse, redis_client_clearing
from tests.contract.test_permission_cache import CountingConnection
from tests.unit.world import SettableClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scripthub.application.ports.latest_code import LatestCodeStore
    from scripthub.application.ports.system import RateLimiter

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
TTL = timedelta(milliseconds=600)
FENCE = timedelta(milliseconds=300)
"""Short, so that the Redis adapter's entries and fences run out within the test."""
VERSION_1 = CodeValidators(
    uuid.UUID(int=1),
    Visibility.PUBLIC,
    "a" * 64,
    datetime(2026, 3, 1, 12, 1, 0, 250000, tzinfo=UTC),
    "0123456789abcdef",
)
VERSION_2 = CodeValidators(
    uuid.UUID(int=2), Visibility.UNLISTED, "b" * 64, datetime(2026, 3, 2, tzinfo=UTC), ""
)


class Backend:
    """A store, the rate limiter whose counters it shares, and a way to let time pass."""

    def __init__(self, store: LatestCodeStore, limiter: RateLimiter, clock: SettableClock | None):
        self.store = store
        self.limiter = limiter
        self._clock = clock

    async def elapse(self, span: timedelta) -> None:
        await elapse(self._clock, span)


@pytest.fixture
async def backend(redis_place: tuple[str, str] | None) -> AsyncIterator[Backend]:
    if redis_place is None:
        clock = SettableClock()
        limiter = InMemoryRateLimiter(clock)
        yield Backend(InMemoryLatestCodeStore(limiter, clock, TTL, FENCE), limiter, clock)
        return
    url, prefix = redis_place
    async with redis_client_clearing(url, prefix) as client:
        store = RedisLatestCodeStore(client, prefix, TTL, FENCE)
        yield Backend(store, RedisRateLimiter(client, prefix), None)


def a_name() -> str:
    return str(uuid.uuid4())


async def test_a_fill_is_read_back_exactly_until_it_expires(backend: Backend) -> None:
    name, other = a_name(), a_name()

    assert (await backend.store.read(name, ())).latest is None
    await backend.store.fill(name, VERSION_1)
    await backend.store.fill(other, VERSION_2)
    read = await backend.store.read(name, ())
    read_other = await backend.store.read(other, ())
    await backend.elapse(TTL + timedelta(milliseconds=100))

    assert read.latest == VERSION_1  # to the microsecond
    assert read.rate is None
    assert read_other.latest == VERSION_2
    assert (await backend.store.read(name, ())).latest is None


async def test_a_fill_never_replaces_an_entry(backend: Backend) -> None:
    name = a_name()

    await backend.store.fill(name, VERSION_1)
    await backend.store.fill(name, VERSION_2)

    assert (await backend.store.read(name, ())).latest == VERSION_1


async def test_a_change_drops_the_entries_and_fences_off_fills_for_a_while(
    backend: Backend,
) -> None:
    by_id, by_slug, untouched = a_name(), "dark-mode-" + uuid.uuid4().hex[:6], a_name()
    for name in (by_id, by_slug, untouched):
        await backend.store.fill(name, VERSION_1)

    await backend.store.changed({by_id, by_slug})
    # A read that began before the change's commit fills after it: it must not stick.
    await backend.store.fill(by_id, VERSION_1)
    fenced = [(await backend.store.read(name, ())).latest for name in (by_id, by_slug)]
    await backend.elapse(FENCE + timedelta(milliseconds=100))
    await backend.store.fill(by_id, VERSION_2)

    assert fenced == [None, None]
    assert (await backend.store.read(untouched, ())).latest == VERSION_1
    assert (await backend.store.read(by_id, ())).latest == VERSION_2


async def test_a_charged_read_counts_on_the_rate_limiters_own_counters(
    backend: Backend,
) -> None:
    name = a_name()
    await backend.store.fill(name, VERSION_1)
    charge = RateCharge(f"api:{uuid.uuid4()}", limit=3, window_seconds=60)

    await backend.limiter.hit(charge.key, charge.limit, charge.window_seconds)
    counted = await backend.store.read(name, (charge,))
    await backend.store.read(a_name(), (charge,))  # a miss is counted too
    over = await backend.store.read(name, (charge,))
    after = await backend.limiter.hit(charge.key, charge.limit, charge.window_seconds)

    assert counted.latest == VERSION_1
    assert counted.rate is not None
    assert (counted.rate.allowed, counted.rate.remaining, counted.rate.limit) == (True, 1, 3)
    assert 1 <= counted.rate.reset_after <= 60
    assert over.latest == VERSION_1
    assert over.rate is not None
    assert (over.rate.allowed, over.rate.remaining) == (False, 0)
    assert not after.allowed


async def test_a_read_with_several_charges_counts_each_and_answers_with_the_tightest(
    backend: Backend,
) -> None:
    name = a_name()
    await backend.store.fill(name, VERSION_1)
    wide = RateCharge(f"update_checks:{uuid.uuid4()}", limit=100, window_seconds=900)
    narrow = RateCharge(f"update_check:{uuid.uuid4()}", limit=2, window_seconds=60)

    reads = [await backend.store.read(name, (wide, narrow)) for _ in range(3)]
    wide_after = await backend.limiter.hit(wide.key, wide.limit, wide.window_seconds)

    states = [read.rate for read in reads if read.rate is not None]
    assert all(read.latest == VERSION_1 for read in reads)
    assert [(s.allowed, s.limit, s.remaining) for s in states] == [
        (True, 2, 1),
        (True, 2, 0),
        (False, 2, 0),
    ]
    assert 1 <= states[2].reset_after <= 60
    assert (wide_after.allowed, wide_after.remaining) == (True, 96)


@pytest.mark.redis
async def test_redis_reads_and_counts_in_one_round_trip(redis_url: str, redis_prefix: str) -> None:
    client = aioredis.Redis.from_url(redis_url, connection_class=CountingConnection)
    store = RedisLatestCodeStore(client, redis_prefix)
    name = a_name()
    try:
        await store.fill(name, VERSION_1)
        CountingConnection.writes = 0

        charges = (RateCharge(f"a:{uuid.uuid4()}", 10, 60), RateCharge(f"b:{uuid.uuid4()}", 5, 60))
        read = await store.read(name, charges)
        read_writes = CountingConnection.writes
        CountingConnection.writes = 0
        await store.changed({name, "a-slug"})

        assert read.latest == VERSION_1
        assert read.rate is not None
        assert (read.rate.limit, read.rate.remaining) == (5, 4)
        assert read_writes == 1
        assert CountingConnection.writes == 1
    finally:
        keys = [key async for key in client.scan_iter(match=f"{redis_prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.mark.redis
async def test_redis_reads_an_entry_of_an_older_release_as_a_miss(
    redis_url: str, redis_prefix: str
) -> None:
    """Entries written by a release before served code had its own tag (validators without
    the script's id and `served_as`) live on for up to a minute after an upgrade."""
    client = aioredis.Redis.from_url(redis_url)
    store = RedisLatestCodeStore(client, redis_prefix)
    name = a_name()
    try:
        await client.set(f"{redis_prefix}latest_code:{name}", f"public\n{'a' * 64}\n1.5", px=60_000)

        read = await store.read(name, ())

        assert read.latest is None
    finally:
        await client.delete(f"{redis_prefix}latest_code:{name}")
        await client.aclose()


async def test_redis_reports_a_dead_server_as_unavailable() -> None:
    client = aioredis.Redis.from_url(CLOSED_PORT_URL, socket_connect_timeout=1)
    store = RedisLatestCodeStore(client)
    try:
        for call in (
            store.read("x", (RateCharge("api:x", 1, 60),)),
            store.fill("x", VERSION_1),
            store.changed({"x"}),
        ):
            with pytest.raises(ServiceUnavailableError):
                await call
    finally:
        await client.aclose()
