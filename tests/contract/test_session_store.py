"""The SessionStore contract, run against every adapter of the port."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import pytest
import redis.asyncio as aioredis

from scripthub.adapters.memory import InMemorySessionStore
from scripthub.adapters.redis import RedisSessionStore
from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.session_store import SqlAlchemySessionStore
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.domain.sessions import RotationOutcome, Session
from scripthub.domain.users import User

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scripthub.application.ports.session_store import SessionStore

GRACE = timedelta(seconds=10)
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"


class Backend(Protocol):
    async def store(self) -> SessionStore:
        """A handle on the backend's one store (with its own connection where there is one)."""

    async def new_user(self) -> uuid.UUID:
        """An account that sessions may belong to."""

    async def close(self) -> None: ...


class MemoryBackend:
    def __init__(self) -> None:
        self._store = InMemorySessionStore()

    async def store(self) -> SessionStore:
        return self._store

    async def new_user(self) -> uuid.UUID:
        return uuid.uuid4()

    async def close(self) -> None:
        pass


class RedisBackend:
    def __init__(self, url: str, prefix: str) -> None:
        self._url = url
        self._prefix = prefix
        self._clients: list[aioredis.Redis] = []

    async def store(self) -> SessionStore:
        client = aioredis.Redis.from_url(self._url)
        self._clients.append(client)
        return RedisSessionStore(client, prefix=self._prefix)

    async def new_user(self) -> uuid.UUID:
        return uuid.uuid4()

    async def close(self) -> None:
        cleaner = aioredis.Redis.from_url(self._url)
        async for key in cleaner.scan_iter(match=f"{self._prefix}*"):
            await cleaner.delete(key)
        for client in [*self._clients, cleaner]:
            await client.aclose()


class SqlBackend:
    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)

    async def store(self) -> SessionStore:
        # Calls that overlap check out separate connections from the engine's pool.
        return SqlAlchemySessionStore(self._engine)

    async def new_user(self) -> uuid.UUID:
        # Sessions reference users by foreign key.
        name = f"user_{uuid.uuid4().hex[:12]}"
        now = datetime.now(UTC)
        user = User(uuid.uuid4(), f"{name}@example.com", name, None, now, now)
        async with SqlAlchemyUnitOfWork(self._engine) as uow:
            await uow.users.add(user)
            await uow.commit()
        return user.id

    async def close(self) -> None:
        await self._engine.dispose()


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def new_backend(request: pytest.FixtureRequest) -> Backend:
    # Resolved in a synchronous fixture: the service fixtures run their own event loop.
    if request.param == "memory":
        return MemoryBackend()
    if request.param == "redis":
        return RedisBackend(
            request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
        )
    return SqlBackend(request.getfixturevalue(f"{request.param}_database_url"))


@pytest.fixture
async def backend(new_backend: Backend) -> AsyncIterator[Backend]:
    yield new_backend
    await new_backend.close()


@pytest.fixture
async def store(backend: Backend) -> SessionStore:
    return await backend.store()


@pytest.fixture
def t0() -> datetime:
    """A fixed instant near the real clock, since Redis expires keys in real time."""
    return datetime.now(UTC).replace(microsecond=0)


def new_session(
    t0: datetime,
    user_id: uuid.UUID,
    *,
    age: timedelta = timedelta(0),
    lifetime: timedelta = timedelta(hours=1),
) -> Session:
    """A session created `age` before t0 that lasts `lifetime` from its creation."""
    created_at = t0 - age
    return Session(
        id=uuid.uuid4(),
        user_id=user_id,
        created_at=created_at,
        last_used_at=created_at,
        expires_at=created_at + lifetime,
        user_agent="Mozilla/5.0 (contract test)",
        ip_address="203.0.113.7",
        provider="email",
    )


async def assert_ended(
    store: SessionStore, token_hash: str, session: Session, now: datetime
) -> None:
    """`token_hash` yields ENDED with `session`, which stays ended (twice, to be sure)."""
    for attempt in range(2):
        rotation = await store.rotate(token_hash, f"{token_hash}-next-{attempt}", now, GRACE)
        assert rotation.outcome is RotationOutcome.ENDED
        assert rotation.session == session
    assert await store.live_epoch(session.id, session.user_id, now) is None
    assert await store.get(session.id, now) is None
    assert session.id not in {s.id for s in await store.list_for_user(session.user_id, now)}


async def test_created_session_is_live_and_read_back_unchanged(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = new_session(t0, await backend.new_user())
    session.epoch = 4
    anonymous = new_session(t0, await backend.new_user(), age=timedelta(minutes=1))
    anonymous.user_agent = anonymous.ip_address = None
    await store.create(session, "hash-a")
    await store.create(anonymous, "hash-b")

    assert await store.live_epoch(session.id, session.user_id, t0) == 4
    assert await store.live_epoch(anonymous.id, anonymous.user_id, t0) == 0
    assert await store.get(session.id, t0) == session
    assert await store.get(anonymous.id, t0) == anonymous
    assert await store.live_epoch(uuid.uuid4(), uuid.uuid4(), t0) is None
    assert await store.get(uuid.uuid4(), t0) is None
    # A live session is active only for its own user: a token pairing one user's id with
    # another's session is refused.
    assert await store.live_epoch(session.id, anonymous.user_id, t0) is None


async def test_returned_datetimes_are_utc_aware(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = new_session(t0, await backend.new_user())
    await store.create(session, "hash-a")

    read = await store.get(session.id, t0)

    assert read is not None
    for moment in (read.created_at, read.last_used_at, read.expires_at):
        assert moment.utcoffset() == timedelta(0)


async def test_session_past_its_expiry_is_not_live(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    expired = new_session(
        t0, await backend.new_user(), age=timedelta(hours=2), lifetime=timedelta(hours=1)
    )
    await store.create(expired, "hash-a")

    assert await store.live_epoch(expired.id, expired.user_id, t0) is None
    assert await store.get(expired.id, t0) is None
    assert await store.list_for_user(expired.user_id, t0) == []
    rotation = await store.rotate("hash-a", "hash-b", t0, GRACE)
    assert rotation.outcome is RotationOutcome.UNKNOWN


async def test_rotation_sets_last_used_and_the_new_hash_is_current(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = new_session(t0, await backend.new_user())
    await store.create(session, "hash-1")
    later = t0 + timedelta(minutes=5)

    rotation = await store.rotate("hash-1", "hash-2", later, GRACE)

    assert rotation.outcome is RotationOutcome.ROTATED
    assert rotation.session is not None
    assert rotation.session.id == session.id
    assert rotation.session.last_used_at == later
    stored = await store.get(session.id, later)
    assert stored is not None
    assert stored.last_used_at == later
    assert stored.created_at == session.created_at

    much_later = later + timedelta(minutes=5)
    again = await store.rotate("hash-2", "hash-3", much_later, GRACE)
    assert again.outcome is RotationOutcome.ROTATED
    replayed = await store.rotate("hash-2", "hash-4", much_later, GRACE)
    assert replayed.outcome is not RotationOutcome.ROTATED


async def rotated_once(backend: Backend, store: SessionStore, t0: datetime) -> Session:
    """A new session whose first token, `hash-1`, was rotated into `hash-2` at `t0`."""
    session = new_session(t0, await backend.new_user())
    await store.create(session, "hash-1")
    await store.rotate("hash-1", "hash-2", t0, GRACE)
    return session


async def test_rotated_hash_within_grace_is_superseded_and_changes_nothing(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = await rotated_once(backend, store, t0)

    retry = await store.rotate("hash-1", "hash-retry", t0 + GRACE / 2, GRACE)

    assert retry.outcome is RotationOutcome.SUPERSEDED_IN_GRACE
    assert await store.live_epoch(session.id, session.user_id, t0 + GRACE / 2) is not None
    unused = await store.rotate("hash-retry", "x", t0 + GRACE / 2, GRACE)
    assert unused.outcome is RotationOutcome.UNKNOWN
    current = await store.rotate("hash-2", "hash-3", t0 + GRACE / 2, GRACE)
    assert current.outcome is RotationOutcome.ROTATED


async def test_rotated_hash_within_grace_asking_for_the_current_successor_is_already_rotated(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = await rotated_once(backend, store, t0)

    retry = await store.rotate("hash-1", "hash-2", t0 + GRACE, GRACE)

    assert retry.outcome is RotationOutcome.ALREADY_ROTATED
    assert retry.session is not None
    assert retry.session.id == session.id
    assert await store.live_epoch(session.id, session.user_id, t0 + GRACE) is not None
    current = await store.rotate("hash-2", "hash-3", t0 + GRACE, GRACE)
    assert current.outcome is RotationOutcome.ROTATED
    late = await store.rotate("hash-2", "hash-3", t0 + GRACE * 3, GRACE)
    assert late.outcome is RotationOutcome.REUSED


async def test_two_racing_rotations_to_one_successor_both_succeed_and_keep_the_session(
    backend: Backend, t0: datetime
) -> None:
    stores = [await backend.store() for _ in range(2)]
    for race in range(20):
        session = new_session(t0, await backend.new_user())
        await stores[0].create(session, f"hash-{race}")

        rotations = await asyncio.gather(
            *(store.rotate(f"hash-{race}", f"next-{race}", t0, GRACE) for store in stores)
        )

        assert sorted(rotation.outcome.value for rotation in rotations) == [
            RotationOutcome.ALREADY_ROTATED.value,
            RotationOutcome.ROTATED.value,
        ]
        assert await stores[1].live_epoch(session.id, session.user_id, t0) is not None
        successor = await stores[1].rotate(f"next-{race}", f"last-{race}", t0, GRACE)
        assert successor.outcome is RotationOutcome.ROTATED


async def test_rotated_hash_after_grace_is_reuse_and_ends_the_session(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = await rotated_once(backend, store, t0)
    later = t0 + GRACE * 3

    reuse = await store.rotate("hash-1", "hash-thief", later, GRACE)

    assert reuse.outcome is RotationOutcome.REUSED
    assert reuse.session is not None
    assert reuse.session.id == session.id
    assert reuse.session.user_id == session.user_id
    # The successor, and the reused token itself, now belong to an ended session.
    await assert_ended(store, "hash-2", reuse.session, later)
    await assert_ended(store, "hash-1", reuse.session, later)


async def test_unknown_hash_is_unknown(backend: Backend, store: SessionStore, t0: datetime) -> None:
    await store.create(new_session(t0, await backend.new_user()), "hash-1")

    rotation = await store.rotate("never-issued", "hash-2", t0, GRACE)

    assert rotation.outcome is RotationOutcome.UNKNOWN
    assert rotation.session is None


async def test_concurrent_rotations_of_one_token_rotate_it_once(
    backend: Backend, t0: datetime
) -> None:
    stores = [await backend.store() for _ in range(8)]
    session = new_session(t0, await backend.new_user())
    await stores[0].create(session, "hash-1")

    rotations = await asyncio.gather(
        *(store.rotate("hash-1", f"hash-2-{i}", t0, GRACE) for i, store in enumerate(stores))
    )

    outcomes = [rotation.outcome for rotation in rotations]
    assert outcomes.count(RotationOutcome.ROTATED) == 1
    assert set(outcomes) == {RotationOutcome.ROTATED, RotationOutcome.SUPERSEDED_IN_GRACE}
    later = t0 + timedelta(minutes=1)
    successors = [
        (await stores[0].rotate(f"hash-2-{i}", f"hash-3-{i}", later, GRACE)).outcome
        for i in range(8)
    ]
    assert successors.count(RotationOutcome.ROTATED) == 1
    assert successors.count(RotationOutcome.UNKNOWN) == 7


async def test_reissue_replaces_the_current_token_of_a_live_session(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = new_session(t0, await backend.new_user())
    await store.create(session, "hash-1")
    assert (await store.rotate("hash-1", "hash-2", t0, GRACE)).outcome is RotationOutcome.ROTATED
    later = t0 + timedelta(minutes=5)

    reissued = await store.reissue(session.id, "hash-3", later, 2)

    assert reissued is not None
    assert (reissued.id, reissued.last_used_at, reissued.epoch) == (session.id, later, 2)
    assert await store.live_epoch(session.id, session.user_id, later) == 2
    assert (await store.list_for_user(session.user_id, later))[0].epoch == 2
    # The replaced token is simply unknown, even after the grace window: no reuse alarm.
    much_later = later + GRACE + timedelta(seconds=1)
    replaced = await store.rotate("hash-2", "hash-x", much_later, GRACE)
    assert replaced.outcome is RotationOutcome.UNKNOWN
    assert await store.live_epoch(session.id, session.user_id, much_later) is not None
    rotation = await store.rotate("hash-3", "hash-4", much_later, GRACE)
    assert rotation.outcome is RotationOutcome.ROTATED


async def test_reissue_of_an_ended_or_unknown_session_changes_nothing(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = new_session(t0, await backend.new_user())
    await store.create(session, "hash-1")
    assert await store.revoke(session.id)

    assert await store.reissue(session.id, "hash-2", t0, 1) is None
    assert await store.reissue(uuid.uuid4(), "hash-3", t0, 1) is None

    await assert_ended(store, "hash-1", session, t0)
    assert (await store.rotate("hash-2", "x", t0, GRACE)).outcome is RotationOutcome.UNKNOWN


async def test_revoke_ends_one_session(backend: Backend, store: SessionStore, t0: datetime) -> None:
    session = new_session(t0, await backend.new_user())
    other = new_session(t0, session.user_id)
    await store.create(session, "hash-1")
    await store.create(other, "hash-2")

    assert await store.revoke(session.id)

    assert await store.live_epoch(session.id, session.user_id, t0) is None
    assert await store.live_epoch(other.id, other.user_id, t0) is not None
    await assert_ended(store, "hash-1", session, t0)
    assert not await store.revoke(session.id)
    assert not await store.revoke(uuid.uuid4())


async def test_revoke_all_ends_every_session_of_the_user_but_the_kept_one(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    user_id = await backend.new_user()
    sessions = [new_session(t0, user_id, age=timedelta(minutes=i)) for i in range(3)]
    stranger = new_session(t0, await backend.new_user())
    for index, session in enumerate([*sessions, stranger]):
        await store.create(session, f"hash-{index}")
    kept = sessions[1]

    assert await store.revoke_all(user_id, keep=kept.id) == 2

    assert [s.id for s in await store.list_for_user(user_id, t0)] == [kept.id]
    assert await store.live_epoch(kept.id, kept.user_id, t0) is not None
    assert await store.live_epoch(stranger.id, stranger.user_id, t0) is not None
    await assert_ended(store, "hash-0", sessions[0], t0)
    await assert_ended(store, "hash-2", sessions[2], t0)
    assert (await store.rotate("hash-1", "y", t0, GRACE)).outcome is RotationOutcome.ROTATED
    assert await store.revoke_all(user_id) == 1
    assert await store.revoke_all(user_id) == 0
    assert await store.live_epoch(kept.id, kept.user_id, t0) is None


async def test_rotated_tokens_of_an_ended_session_are_ended_even_within_grace(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = new_session(t0, await backend.new_user())
    await store.create(session, "hash-1")
    rotated = (await store.rotate("hash-1", "hash-2", t0, GRACE)).session
    assert rotated is not None
    await store.revoke(session.id)

    await assert_ended(store, "hash-1", rotated, t0 + GRACE / 2)
    await assert_ended(store, "hash-1", rotated, t0 + GRACE * 3)
    await assert_ended(store, "hash-2", rotated, t0 + GRACE * 3)


async def test_tokens_of_an_ended_session_are_unknown_once_it_expires(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    session = await rotated_once(backend, store, t0)
    await store.revoke(session.id)
    assert (await store.rotate("hash-2", "x", t0, GRACE)).outcome is RotationOutcome.ENDED

    for token_hash in ("hash-2", "hash-1"):
        rotation = await store.rotate(token_hash, "y", session.expires_at, GRACE)
        assert rotation.outcome is RotationOutcome.UNKNOWN
        assert rotation.session is None


async def test_concurrent_reuses_of_one_token_report_the_reuse_once(
    backend: Backend, t0: datetime
) -> None:
    stores = [await backend.store() for _ in range(8)]
    session = new_session(t0, await backend.new_user())
    await stores[0].create(session, "hash-1")
    await stores[0].rotate("hash-1", "hash-2", t0, GRACE)
    later = t0 + GRACE * 3

    rotations = await asyncio.gather(
        *(store.rotate("hash-1", f"hash-thief-{i}", later, GRACE) for i, store in enumerate(stores))
    )

    outcomes = [rotation.outcome for rotation in rotations]
    assert outcomes.count(RotationOutcome.REUSED) == 1
    assert outcomes.count(RotationOutcome.ENDED) == 7
    assert await stores[0].live_epoch(session.id, session.user_id, later) is None


async def test_list_for_user_is_newest_first_and_only_live_sessions_of_that_user(
    backend: Backend, store: SessionStore, t0: datetime
) -> None:
    user_id = await backend.new_user()
    oldest, middle, newest = (
        new_session(t0, user_id, age=timedelta(minutes=minutes)) for minutes in (30, 20, 10)
    )
    revoked = new_session(t0, user_id, age=timedelta(minutes=5))
    expired = new_session(t0, user_id, age=timedelta(hours=2))
    stranger = new_session(t0, await backend.new_user())
    for index, session in enumerate([middle, newest, oldest, revoked, expired, stranger]):
        await store.create(session, f"hash-{index}")
    await store.revoke(revoked.id)

    listed = await store.list_for_user(user_id, t0)

    assert listed == [newest, middle, oldest]
    assert await store.list_for_user(uuid.uuid4(), t0) == []


async def test_redis_store_without_a_server_is_service_unavailable(t0: datetime) -> None:
    client = aioredis.Redis.from_url(CLOSED_PORT_URL, socket_connect_timeout=1)
    store = RedisSessionStore(client)
    try:
        with pytest.raises(ServiceUnavailableError):
            await store.live_epoch(uuid.uuid4(), uuid.uuid4(), t0)
        with pytest.raises(ServiceUnavailableError):
            await store.rotate("hash-1", "hash-2", t0, GRACE)
    finally:
        await client.aclose()
