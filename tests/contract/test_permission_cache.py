"""The PermissionCache and AccessStateReader contracts, run against every adapter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import redis.asyncio as aioredis

from scripthub.adapters.access_state import SequentialAccessStateReader
from scripthub.adapters.memory import InMemoryRateLimiter, InMemorySessionStore
from scripthub.adapters.redis import (
    RedisAccessStateReader,
    RedisAccessTokenMarks,
    RedisPermissionCache,
    RedisRateLimiter,
    RedisSessionStore,
)
from scripthub.adapters.system import SystemClock
from scripthub.adapters.unmarked_access_tokens import UnmarkedAccessTokens
from scripthub.application.ports.access_tokens import TokenMark
from scripthub.application.ports.permission_cache import (
    HOLD_LIMIT,
    AccountAccess,
    CachedGrants,
    GrantsStamp,
)
from scripthub.application.ports.system import RateCharge
from scripthub.domain.access_tokens import AccessToken, TokenScope
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.domain.roles import Grants
from scripthub.domain.sessions import Session
from tests.fakes import InMemoryPermissionCache

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scripthub.application.ports.access_state import AccessStateReader
    from scripthub.application.ports.access_tokens import AccessTokenMarks
    from scripthub.application.ports.permission_cache import PermissionCache
    from scripthub.application.ports.session_store import SessionStore
    from scripthub.application.ports.system import RateLimiter

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"

MEMBER = AccountAccess(
    Grants(frozenset({"user"}), frozenset({"scripts.create", "scripts.read"})), session_epoch=0
)
MODERATOR = AccountAccess(
    Grants(
        frozenset({"user", "moderator"}),
        frozenset({"scripts.create", "scripts.read", "scripts.delete_any", "audit.read"}),
    ),
    session_epoch=3,
)
NOTHING = AccountAccess(Grants(frozenset(), frozenset()), session_epoch=1)


class RedisHandle:
    """One test's Redis client on its own key prefix; close() deletes the keys."""

    def __init__(self, url: str, prefix: str) -> None:
        self.prefix = prefix
        self.client = aioredis.Redis.from_url(url)

    async def close(self) -> None:
        async for key in self.client.scan_iter(match=f"{self.prefix}*"):
            await self.client.delete(key)
        await self.client.aclose()


@dataclass
class Adapters:
    """The implementations under test, with the collaborators a reader needs."""

    sessions: SessionStore
    cache: PermissionCache
    limiter: RateLimiter
    reader: AccessStateReader
    marks: AccessTokenMarks
    """Those the reader reads (marks nothing where the reader reads none)."""
    redis: RedisHandle | None = None

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.close()


def build_adapters(request: pytest.FixtureRequest) -> Adapters:
    # Resolved in a synchronous fixture: the service fixtures run their own event loop.
    kind: str = request.param
    if kind.startswith("memory"):
        sessions, cache, limiter = (
            InMemorySessionStore(),
            InMemoryPermissionCache(),
            InMemoryRateLimiter(SystemClock()),
        )
        reader = SequentialAccessStateReader(sessions, cache, limiter)
        return Adapters(sessions, cache, limiter, reader, UnmarkedAccessTokens())
    redis = RedisHandle(
        request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
    )
    redis_sessions = RedisSessionStore(redis.client, redis.prefix)
    redis_cache = RedisPermissionCache(redis.client, redis.prefix)
    redis_limiter = RedisRateLimiter(redis.client, redis.prefix)
    if kind == "redis-pipelined":
        return Adapters(
            redis_sessions,
            redis_cache,
            redis_limiter,
            RedisAccessStateReader(redis.client, redis.prefix),
            RedisAccessTokenMarks(redis.client, redis.prefix),
            redis,
        )
    sequential = SequentialAccessStateReader(redis_sessions, redis_cache, redis_limiter)
    return Adapters(
        redis_sessions, redis_cache, redis_limiter, sequential, UnmarkedAccessTokens(), redis
    )


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def new_cache_adapters(request: pytest.FixtureRequest) -> Adapters:
    return build_adapters(request)


@pytest.fixture(
    params=[
        "memory-sequential",
        pytest.param("redis-sequential", marks=pytest.mark.redis),
        pytest.param("redis-pipelined", marks=pytest.mark.redis),
    ]
)
def new_reader_adapters(request: pytest.FixtureRequest) -> Adapters:
    return build_adapters(request)


@pytest.fixture
async def cache(new_cache_adapters: Adapters) -> AsyncIterator[PermissionCache]:
    yield new_cache_adapters.cache
    await new_cache_adapters.close()


@pytest.fixture
async def adapters(new_reader_adapters: Adapters) -> AsyncIterator[Adapters]:
    yield new_reader_adapters
    await new_reader_adapters.close()


@pytest.fixture
def t0() -> datetime:
    """A fixed instant near the real clock, since Redis expires keys in real time."""
    return datetime.now(UTC).replace(microsecond=0)


def new_session(t0: datetime, user_id: uuid.UUID) -> Session:
    return Session(
        id=uuid.uuid4(),
        user_id=user_id,
        created_at=t0,
        last_used_at=t0,
        expires_at=t0 + timedelta(hours=1),
        user_agent=None,
        ip_address=None,
        provider="email",
    )


# PermissionCache


async def test_miss_then_store_then_hit(cache: PermissionCache) -> None:
    user = uuid.uuid4()
    missed = await cache.lookup(user)
    assert missed.access is None

    await cache.store(user, MODERATOR, missed.stamp)
    hit = await cache.lookup(user)

    assert hit.access == MODERATOR
    assert hit.stamp == missed.stamp, "storing must not move the versions"


async def test_empty_grants_are_a_hit_not_a_miss(cache: PermissionCache) -> None:
    user = uuid.uuid4()
    await cache.store(user, NOTHING, (await cache.lookup(user)).stamp)

    assert (await cache.lookup(user)).access == NOTHING


async def test_store_replaces_the_entry(cache: PermissionCache) -> None:
    user = uuid.uuid4()
    stamp = (await cache.lookup(user)).stamp
    await cache.store(user, MEMBER, stamp)
    await cache.store(user, MODERATOR, stamp)

    assert (await cache.lookup(user)).access == MODERATOR


async def test_invalidate_user_misses_that_user_only(cache: PermissionCache) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    await cache.store(alice, MEMBER, (await cache.lookup(alice)).stamp)
    await cache.store(bob, MODERATOR, (await cache.lookup(bob)).stamp)
    before = (await cache.lookup(alice)).stamp

    await cache.invalidate_user(alice)

    after = await cache.lookup(alice)
    assert after.access is None
    assert after.stamp != before
    assert (await cache.lookup(bob)).access == MODERATOR


async def test_invalidate_everyone_misses_every_user(cache: PermissionCache) -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    await cache.store(alice, MEMBER, (await cache.lookup(alice)).stamp)
    await cache.store(bob, MODERATOR, (await cache.lookup(bob)).stamp)

    await cache.invalidate_everyone()

    assert (await cache.lookup(alice)).access is None
    assert (await cache.lookup(bob)).access is None


async def test_store_after_invalidate_user_with_an_older_stamp_is_born_stale(
    cache: PermissionCache,
) -> None:
    user = uuid.uuid4()
    stamp = (await cache.lookup(user)).stamp  # then the database query starts...
    await cache.invalidate_user(user)  # ...a role change lands meanwhile...
    await cache.store(user, MEMBER, stamp)  # ...and the query's (old) answer is stored.

    assert (await cache.lookup(user)).access is None


async def test_store_after_invalidate_everyone_with_an_older_stamp_is_born_stale(
    cache: PermissionCache,
) -> None:
    user = uuid.uuid4()
    stamp = (await cache.lookup(user)).stamp
    await cache.invalidate_everyone()
    await cache.store(user, MEMBER, stamp)

    assert (await cache.lookup(user)).access is None


async def test_a_stamp_read_after_invalidation_stores_and_hits(cache: PermissionCache) -> None:
    user = uuid.uuid4()
    await cache.store(user, MEMBER, (await cache.lookup(user)).stamp)
    await cache.invalidate_user(user)
    await cache.invalidate_everyone()

    fresh = await cache.lookup(user)
    assert fresh.access is None
    await cache.store(user, MODERATOR, fresh.stamp)

    assert await cache.lookup(user) == CachedGrants(access=MODERATOR, stamp=fresh.stamp)


async def test_a_held_user_misses_and_stores_nothing(
    cache: PermissionCache,
) -> None:
    user, other = uuid.uuid4(), uuid.uuid4()
    await cache.store(user, MEMBER, (await cache.lookup(user)).stamp)
    await cache.store(other, MEMBER, (await cache.lookup(other)).stamp)

    await cache.hold_user(user)
    # A request between the hold and the commit reads the old access from the database...
    held = await cache.lookup(user)
    await cache.store(user, MEMBER, held.stamp)

    # ...and cannot cache it, however often it tries.
    assert held.access is None
    assert held.stamp.held
    assert (await cache.lookup(user)).access is None
    assert (await cache.lookup(other)).access == MEMBER
    # Not even by an invalidation (a role change meanwhile).
    await cache.invalidate_user(user)
    assert (await cache.lookup(user)).stamp.held


async def test_a_held_user_misses_through_the_reader(adapters: Adapters, t0: datetime) -> None:
    session = new_session(t0, uuid.uuid4())
    await adapters.sessions.create(session, "hash-held")
    user = session.user_id
    await adapters.cache.store(user, MEMBER, (await adapters.cache.lookup(user)).stamp)

    await adapters.cache.hold_user(user)
    state = await adapters.reader.read(session.id, user, t0)

    assert state.cached.access is None
    assert state.cached.stamp.held


@pytest.mark.redis
async def test_a_redis_hold_lapses_by_itself(redis_url: str, redis_prefix: str) -> None:
    handle = RedisHandle(redis_url, redis_prefix)
    cache = RedisPermissionCache(handle.client, redis_prefix)
    user = uuid.uuid4()
    try:
        await cache.store(user, MEMBER, (await cache.lookup(user)).stamp)
        await cache.hold_user(user)
        ttl = await handle.client.ttl(cache.keys.hold(user))
        assert 0 < ttl <= HOLD_LIMIT.total_seconds()
        await handle.client.delete(cache.keys.hold(user))  # as when it expires
        lapsed = await cache.lookup(user)
        assert (lapsed.access, lapsed.stamp.held) == (None, False)
        await cache.store(user, MODERATOR, lapsed.stamp)
        assert (await cache.lookup(user)).access == MODERATOR
    finally:
        await handle.close()


@pytest.mark.redis
async def test_redis_caches_on_one_prefix_share_entries_and_invalidations(
    redis_url: str, redis_prefix: str
) -> None:
    first, second = RedisHandle(redis_url, redis_prefix), RedisHandle(redis_url, redis_prefix)
    here = RedisPermissionCache(first.client, redis_prefix)
    there = RedisPermissionCache(second.client, redis_prefix)
    user = uuid.uuid4()
    try:
        await here.store(user, MEMBER, (await here.lookup(user)).stamp)
        assert (await there.lookup(user)).access == MEMBER

        await there.invalidate_everyone()

        assert (await here.lookup(user)).access is None
    finally:
        await first.close()
        await second.close()


# AccessStateReader


async def test_reader_sees_a_live_session_as_active(adapters: Adapters, t0: datetime) -> None:
    session = new_session(t0, uuid.uuid4())
    await adapters.sessions.create(session, "hash-a")

    state = await adapters.reader.read(session.id, session.user_id, t0)

    assert state.session_epoch == 0


async def test_reader_sees_another_user_s_session_as_inactive(
    adapters: Adapters, t0: datetime
) -> None:
    session = new_session(t0, uuid.uuid4())
    await adapters.sessions.create(session, "hash-a")

    state = await adapters.reader.read(session.id, uuid.uuid4(), t0)

    assert state.session_epoch is None


async def test_reader_sees_revoked_and_unknown_sessions_as_inactive(
    adapters: Adapters, t0: datetime
) -> None:
    session = new_session(t0, uuid.uuid4())
    await adapters.sessions.create(session, "hash-a")
    await adapters.sessions.revoke(session.id)

    assert (await adapters.reader.read(session.id, session.user_id, t0)).session_epoch is None
    assert (await adapters.reader.read(uuid.uuid4(), session.user_id, t0)).session_epoch is None


async def test_reader_returns_what_the_cache_lookup_returns(
    adapters: Adapters, t0: datetime
) -> None:
    session = new_session(t0, uuid.uuid4())
    await adapters.sessions.create(session, "hash-a")
    user = session.user_id

    missed = (await adapters.reader.read(session.id, user, t0)).cached
    assert missed.access is None
    assert missed == await adapters.cache.lookup(user)

    # The authenticated request's miss path: store with the stamp the reader gave.
    await adapters.cache.store(user, MODERATOR, missed.stamp)
    hit = (await adapters.reader.read(session.id, user, t0)).cached
    assert hit.access == MODERATOR
    assert hit == await adapters.cache.lookup(user)

    await adapters.cache.invalidate_user(user)
    stale = (await adapters.reader.read(session.id, user, t0)).cached
    assert stale.access is None
    assert stale.stamp != missed.stamp
    assert stale == await adapters.cache.lookup(user)


async def test_reader_does_not_serve_an_entry_born_stale(adapters: Adapters, t0: datetime) -> None:
    user = uuid.uuid4()
    stamp = (await adapters.reader.read(uuid.uuid4(), user, t0)).cached.stamp
    await adapters.cache.invalidate_everyone()
    await adapters.cache.store(user, MEMBER, stamp)

    assert (await adapters.reader.read(uuid.uuid4(), user, t0)).cached.access is None


async def test_reading_an_owner_gives_its_cached_access_and_counts_each_charge(
    adapters: Adapters,
) -> None:
    user = uuid.uuid4()
    once = RateCharge(f"token_use:{uuid.uuid4()}", limit=1, window_seconds=60)
    budget = RateCharge(f"api:user:{user}", limit=3, window_seconds=60)

    token_id = uuid.uuid4()

    first = await adapters.reader.read_owner(token_id, user, [once, budget])
    await adapters.cache.store(user, MODERATOR, first.cached.stamp)
    await adapters.limiter.hit(budget.key, budget.limit, budget.window_seconds)
    second = await adapters.reader.read_owner(token_id, user, [once, budget])
    uncharged = await adapters.reader.read_owner(token_id, user, [])

    assert first.cached.access is None
    assert [(r.allowed, r.remaining) for r in first.rates] == [(True, 0), (True, 2)]
    assert second.cached.access == MODERATOR
    assert [(r.allowed, r.remaining) for r in second.rates] == [(False, 0), (True, 0)]
    assert uncharged.rates == []
    assert uncharged.cached == await adapters.cache.lookup(user)


def a_token(expires_at: datetime) -> AccessToken:
    return AccessToken(
        uuid.uuid4(),
        uuid.uuid4(),
        "ci",
        (TokenScope.SCRIPTS_READ,),
        None,
        expires_at - timedelta(days=1),
        expires_at,
    )


async def read_mark(adapters: Adapters, token: AccessToken) -> TokenMark:
    return (await adapters.reader.read_owner(token.id, token.user_id, [])).token_mark


async def test_a_token_never_marked_reads_unknown(adapters: Adapters, t0: datetime) -> None:
    assert await read_mark(adapters, a_token(t0 + timedelta(days=1))) is TokenMark.UNKNOWN


async def test_a_revoked_mark_wins_over_live_marks_before_and_after_it(
    adapters: Adapters, t0: datetime
) -> None:
    token, other = a_token(t0 + timedelta(days=1)), a_token(t0 + timedelta(days=1))
    until = t0 + timedelta(minutes=5)
    marked = isinstance(adapters.marks, RedisAccessTokenMarks)

    assert await adapters.marks.mark_live(token.id, until)
    assert await adapters.marks.mark_live(other.id, until)
    live = await read_mark(adapters, token)
    await adapters.marks.mark_revoked([token])
    relived = await adapters.marks.mark_live(token.id, until)

    assert live is (TokenMark.LIVE if marked else TokenMark.UNKNOWN)
    assert relived is not marked
    assert await read_mark(adapters, token) is (TokenMark.REVOKED if marked else TokenMark.UNKNOWN)
    assert await read_mark(adapters, other) is live


@pytest.mark.redis
async def test_redis_marks_expire_live_at_their_time_and_revoked_with_the_token(
    redis_url: str, redis_prefix: str, t0: datetime
) -> None:
    redis = RedisHandle(redis_url, redis_prefix)
    marks = RedisAccessTokenMarks(redis.client, redis_prefix)
    live, revoked = a_token(t0 + timedelta(days=1)), a_token(t0 + timedelta(days=2))
    try:
        await marks.mark_live(live.id, t0 + timedelta(minutes=10))
        await marks.mark_revoked([revoked])
        keys = {key.decode(): key async for key in redis.client.scan_iter(f"{redis_prefix}*")}
        expiries = {
            name.rsplit(":", 1)[1]: await redis.client.expiretime(key) for name, key in keys.items()
        }
    finally:
        await redis.close()

    assert expiries == {
        str(live.id): int((t0 + timedelta(minutes=10)).timestamp()),
        str(revoked.id): int(revoked.expires_at.timestamp()),
    }


# Redis specifics: round trips and a dead server


async def test_reader_counts_a_charge_on_the_limiter_s_own_counters(
    adapters: Adapters, t0: datetime
) -> None:
    session = new_session(t0, uuid.uuid4())
    await adapters.sessions.create(session, "hash-a")
    charge = RateCharge(f"api:{uuid.uuid4()}", limit=3, window_seconds=60)

    uncharged = await adapters.reader.read(session.id, session.user_id, t0)
    await adapters.limiter.hit(charge.key, charge.limit, charge.window_seconds)
    counted = await adapters.reader.read(session.id, session.user_id, t0, charge)
    await adapters.reader.read(uuid.uuid4(), session.user_id, t0, charge)  # ended: counted too
    over = await adapters.reader.read(session.id, session.user_id, t0, charge)

    assert uncharged.rate is None
    assert counted.session_epoch == 0
    assert counted.rate is not None
    assert (counted.rate.allowed, counted.rate.remaining, counted.rate.limit) == (True, 1, 3)
    assert 1 <= counted.rate.reset_after <= 60
    assert over.rate is not None
    assert (over.rate.allowed, over.rate.remaining) == (False, 0)


class CountingConnection(aioredis.Connection):
    """A connection that counts its writes: a request/reply exchange starts with one."""

    writes = 0

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        type(self).writes += 1
        await super().send_packed_command(command, check_health)


@pytest.mark.redis
async def test_redis_reader_reads_in_one_round_trip(
    redis_url: str, redis_prefix: str, t0: datetime
) -> None:
    client = aioredis.Redis.from_url(redis_url, connection_class=CountingConnection)
    sessions = RedisSessionStore(client, redis_prefix)
    cache = RedisPermissionCache(client, redis_prefix)
    reader = RedisAccessStateReader(client, redis_prefix)
    session = new_session(t0, uuid.uuid4())
    try:
        await sessions.create(session, "hash-a")
        await cache.store(session.user_id, MEMBER, (await cache.lookup(session.user_id)).stamp)
        CountingConnection.writes = 0  # the connection is open: no handshake left to count

        state = await reader.read(session.id, session.user_id, t0)
        reader_writes = CountingConnection.writes
        CountingConnection.writes = 0
        charged = await reader.read(
            session.id, session.user_id, t0, RateCharge("api:one-trip", 10, 60)
        )
        charged_writes = CountingConnection.writes
        CountingConnection.writes = 0
        await cache.lookup(session.user_id)

        assert state.session_epoch == 0
        assert state.cached.access == MEMBER
        assert reader_writes == 1
        assert charged_writes == 1
        assert charged.session_epoch == 0
        assert charged.cached.access == MEMBER
        assert charged.rate is not None
        assert charged.rate.remaining == 9
        assert CountingConnection.writes == 1
    finally:
        await RedisHandle(redis_url, redis_prefix).close()
        await client.aclose()


async def test_redis_adapters_report_a_dead_server_as_unavailable(t0: datetime) -> None:
    client = aioredis.Redis.from_url(CLOSED_PORT_URL, socket_connect_timeout=1)
    cache = RedisPermissionCache(client)
    user = uuid.uuid4()
    try:
        with pytest.raises(ServiceUnavailableError):
            await RedisAccessStateReader(client).read(uuid.uuid4(), user, t0)
        with pytest.raises(ServiceUnavailableError):
            await cache.lookup(user)
        with pytest.raises(ServiceUnavailableError):
            await cache.store(user, MEMBER, GrantsStamp(everyone=0, user=0))
        with pytest.raises(ServiceUnavailableError):
            await cache.invalidate_user(user)
        with pytest.raises(ServiceUnavailableError):
            await cache.invalidate_everyone()
    finally:
        await client.aclose()
