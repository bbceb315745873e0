"""The InstallCounter contract, run against every adapter of the port."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import redis.asyncio as aioredis

from scripthub.adapters.memory import InMemoryInstallCounter
from scripthub.adapters.redis import RedisInstallCounter
from scripthub.application.installs.flush_installs import FlushInstalls
from scripthub.application.ports.install_counter import (
    CLAIM_LEASE,
    INSTALL_WINDOW,
    install_client,
)
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.entrypoints.install_flusher import flush_until
from tests.fakes.install_totals import InMemoryInstallTotals
from tests.unit.world import SettableClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scripthub.application.ports.install_counter import InstallCounter

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
SCRIPT = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_SCRIPT = uuid.UUID("00000000-0000-4000-8000-000000000002")
CLIENT = install_client(None, "203.0.113.7")


@pytest.fixture
async def counter(redis_place: tuple[str, str] | None) -> AsyncIterator[InstallCounter]:
    if redis_place is None:
        yield InMemoryInstallCounter()
        return
    url, prefix = redis_place
    # Waits for a free connection rather than failing: the tests race thousands of calls.
    client = aioredis.Redis.from_pool(aioredis.BlockingConnectionPool.from_url(url))
    yield RedisInstallCounter(client, prefix=prefix)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def claim_all(counter: InstallCounter, now: datetime = START) -> dict[uuid.UUID, int]:
    """Claim and settle what is pending, as a flusher that commits would."""
    pending = await counter.claim(now)
    if pending is None:
        return {}
    assert await counter.settle(pending.claim)
    return pending.counts


async def test_a_client_counts_once_a_day(counter: InstallCounter) -> None:
    first = await counter.record(SCRIPT, CLIENT, START)
    again = await counter.record(SCRIPT, CLIENT, START + INSTALL_WINDOW - timedelta(seconds=1))
    next_day = await counter.record(SCRIPT, CLIENT, START + INSTALL_WINDOW)

    assert (first, again, next_day) == (True, False, True)
    assert await claim_all(counter) == {SCRIPT: 2}


async def test_clients_and_scripts_count_apart(counter: InstallCounter) -> None:
    user = install_client(uuid.UUID("00000000-0000-4000-8000-0000000000aa"), "203.0.113.7")
    counted = [
        await counter.record(SCRIPT, CLIENT, START),
        await counter.record(SCRIPT, user, START),
        await counter.record(OTHER_SCRIPT, CLIENT, START),
        await counter.record(SCRIPT, install_client(None, "198.51.100.1"), START),
    ]

    assert counted == [True, True, True, True]
    assert await claim_all(counter) == {SCRIPT: 3, OTHER_SCRIPT: 1}


async def test_a_claim_takes_everything_pending_once(counter: InstallCounter) -> None:
    assert await counter.claim(START) is None
    await counter.record(SCRIPT, CLIENT, START)

    pending = await counter.claim(START)
    assert pending is not None
    assert pending.counts == {SCRIPT: 1}
    assert await counter.claim(START) is None

    await counter.record(OTHER_SCRIPT, CLIENT, START)
    assert await claim_all(counter) == {OTHER_SCRIPT: 1}
    assert await counter.settle(pending.claim)
    assert not await counter.settle(pending.claim)


async def test_a_released_claim_is_pending_again(counter: InstallCounter) -> None:
    await counter.record(SCRIPT, CLIENT, START)
    pending = await counter.claim(START)
    assert pending is not None
    await counter.record(SCRIPT, install_client(None, "198.51.100.1"), START)

    await counter.release(pending.claim)
    await counter.release(pending.claim)  # no longer held: nothing

    assert not await counter.settle(pending.claim)
    assert await claim_all(counter) == {SCRIPT: 2}


async def test_restored_counts_are_pending_again(counter: InstallCounter) -> None:
    await counter.record(SCRIPT, CLIENT, START)
    assert await claim_all(counter) == {SCRIPT: 1}

    await counter.restore({SCRIPT: 1, OTHER_SCRIPT: 5})
    await counter.restore({})

    assert await claim_all(counter) == {SCRIPT: 1, OTHER_SCRIPT: 5}


async def test_a_claim_left_past_its_lease_is_taken_back(counter: InstallCounter) -> None:
    await counter.record(SCRIPT, CLIENT, START)
    orphan = await counter.claim(START)
    assert orphan is not None
    await counter.record(OTHER_SCRIPT, CLIENT, START)

    within_lease = await claim_all(counter, START + CLAIM_LEASE - timedelta(milliseconds=1))
    await counter.record(OTHER_SCRIPT, install_client(None, "198.51.100.1"), START)
    after_lease = await claim_all(counter, START + CLAIM_LEASE)

    assert within_lease == {OTHER_SCRIPT: 1}
    assert after_lease == {SCRIPT: 1, OTHER_SCRIPT: 1}
    # The flusher that held it must not commit it: another one has.
    assert not await counter.settle(orphan.claim)


async def test_concurrent_installs_by_distinct_clients_all_count(counter: InstallCounter) -> None:
    clients = [install_client(None, f"10.0.{n // 256}.{n % 256}") for n in range(2000)]

    counted = await asyncio.gather(*(counter.record(SCRIPT, c, START) for c in clients))

    assert all(counted)
    assert await claim_all(counter) == {SCRIPT: 2000}


async def test_concurrent_installs_by_one_client_count_once(counter: InstallCounter) -> None:
    clients = [install_client(None, f"10.1.{n // 256}.{n % 256}") for n in range(1000)]

    counted = await asyncio.gather(*(counter.record(SCRIPT, c, START) for c in clients * 2))

    assert sum(counted) == 1000
    assert await claim_all(counter) == {SCRIPT: 1000}


async def test_installs_recorded_while_claiming_are_never_lost(counter: InstallCounter) -> None:
    clients = [install_client(None, f"10.2.{n // 256}.{n % 256}") for n in range(2000)]
    recorded = asyncio.Event()
    claimed: list[int] = []

    async def record_in_waves() -> None:
        for wave in range(0, len(clients), 100):
            await asyncio.gather(*(counter.record(SCRIPT, c, START) for c in clients[wave:][:100]))
        recorded.set()

    async def flush_until_recorded() -> None:
        while not recorded.is_set():
            claimed.append(sum((await claim_all(counter)).values()))
            await asyncio.sleep(0)

    await asyncio.gather(record_in_waves(), flush_until_recorded())
    claimed.append(sum((await claim_all(counter)).values()))

    assert sum(claimed) == 2000
    assert sum(1 for n in claimed if n) > 1


async def test_concurrent_installs_end_exact_in_the_totals(counter: InstallCounter) -> None:
    clients = [install_client(None, f"10.5.{n // 256}.{n % 256}") for n in range(2000)]
    database = InMemoryInstallTotals()
    stop = asyncio.Event()
    flusher = asyncio.create_task(
        flush_until(FlushInstalls(counter, database.transaction, SettableClock()), stop, 0.001)
    )

    await asyncio.gather(*(counter.record(SCRIPT, c, START) for c in clients * 2))
    stop.set()
    await flusher

    assert database.totals == {SCRIPT: 2000}


async def test_memory_forgets_the_oldest_client_past_its_capacity() -> None:
    counter = InMemoryInstallCounter(max_clients=2)
    first, second, third = (install_client(None, f"10.3.0.{n}") for n in range(3))
    for client in (first, second, third):
        await counter.record(SCRIPT, client, START)

    assert await counter.record(SCRIPT, first, START)
    assert not await counter.record(SCRIPT, third, START)
    assert await claim_all(counter) == {SCRIPT: 4}


async def test_memory_drops_ended_windows() -> None:
    counter = InMemoryInstallCounter()
    for n in range(10):
        await counter.record(SCRIPT, install_client(None, f"10.4.0.{n}"), START)

    await counter.record(SCRIPT, CLIENT, START + INSTALL_WINDOW)

    assert len(counter._seen) == 1


@pytest.mark.redis
async def test_redis_keys_hold_no_client_in_clear(redis_url: str, redis_prefix: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    user_id = uuid.UUID("00000000-0000-4000-8000-0000000000aa")
    try:
        counter = RedisInstallCounter(client, prefix=redis_prefix)
        await counter.record(SCRIPT, install_client(None, "203.0.113.7"), START)
        await counter.record(SCRIPT, install_client(user_id, "203.0.113.7"), START)

        keys = sorted([key.decode() async for key in client.scan_iter(match=f"{redis_prefix}*")])
        assert len(keys) == 3
        assert not any("203.0.113.7" in key or str(user_id) in key for key in keys)
        assert {len(key) for key in keys if ":seen:" in key} == {len(redis_prefix) + 46}
        pair = next(key for key in keys if ":seen:" in key)
        assert 0 < await client.pttl(pair) <= INSTALL_WINDOW.total_seconds() * 1000
    finally:
        async for key in client.scan_iter(match=f"{redis_prefix}*"):
            await client.delete(key)
        await client.aclose()


async def test_redis_counter_without_a_server_is_unavailable() -> None:
    client = aioredis.Redis.from_url(CLOSED_PORT_URL, socket_connect_timeout=1)
    counter = RedisInstallCounter(client)
    try:
        with pytest.raises(ServiceUnavailableError):
            await counter.record(SCRIPT, CLIENT, START)
        with pytest.raises(ServiceUnavailableError):
            await counter.claim(START)
    finally:
        await client.aclose()
