"""The OAuthFlowStore contract, run against every adapter of the port."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import redis.asyncio as aioredis

from scripthub.adapters.memory import InMemoryOAuthFlowStore
from scripthub.adapters.redis import RedisOAuthFlowStore
from scripthub.application.ports.oauth import ExchangeGrant, OAuthFlow
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.domain.providers import Provider
from tests.contract.store_support import elapse, keys_under, redis_client_clearing
from tests.unit.world import SettableClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scripthub.application.ports.oauth import OAuthFlowStore

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
FLOW_LIFETIME = timedelta(seconds=3)
CODE_LIFETIME = timedelta(seconds=1)
"""Short, so that the Redis adapter's entries run out within the test."""
RACE_LIFETIMES = (timedelta(minutes=10), timedelta(minutes=1))
"""The flows' and codes' lifetimes in a race: a hundred calls, each opening its own Redis
connection, took over `CODE_LIFETIME` on a loaded CI machine, and the code had expired."""
SLACK = timedelta(milliseconds=150)
RACERS = 50
RACES = 5


@dataclass(frozen=True)
class Backend:
    store: OAuthFlowStore
    clock: SettableClock | None
    """None for Redis, which expires keys in real time."""


@pytest.fixture
def lifetimes() -> tuple[timedelta, timedelta]:
    """The flows' and the codes' (a test parametrizes it to change them)."""
    return FLOW_LIFETIME, CODE_LIFETIME


@pytest.fixture
async def backend(
    redis_place: tuple[str, str] | None, lifetimes: tuple[timedelta, timedelta]
) -> AsyncIterator[Backend]:
    if redis_place is None:
        clock = SettableClock()
        yield Backend(InMemoryOAuthFlowStore(clock, *lifetimes), clock=clock)
        return
    url, prefix = redis_place
    async with redis_client_clearing(url, prefix) as client:
        yield Backend(RedisOAuthFlowStore(client, prefix, *lifetimes), clock=None)


def a_secret() -> str:
    return secrets.token_urlsafe(32)


def a_flow(
    provider: Provider = Provider.GOOGLE,
    redirect_to: str | None = None,
    linking_user_id: uuid.UUID | None = None,
) -> OAuthFlow:
    return OAuthFlow(
        provider, a_secret(), a_secret(), secrets.token_hex(32), redirect_to, linking_user_id
    )


def a_grant() -> ExchangeGrant:
    return ExchangeGrant(uuid.uuid4(), Provider.GITHUB, secrets.token_hex(32))


@pytest.mark.parametrize(
    "flow",
    [
        a_flow(),
        a_flow(
            provider=Provider.DISCORD,
            redirect_to="/scripts/dark-mode?tab=versions",
            linking_user_id=uuid.uuid4(),
        ),
    ],
    ids=["sign-in", "linking"],
)
async def test_a_flow_is_taken_back_whole_once(backend: Backend, flow: OAuthFlow) -> None:
    state, other_state = a_secret(), a_secret()
    other = a_flow()
    await backend.store.begin(state, flow)
    await backend.store.begin(other_state, other)

    taken = await backend.store.take_flow(state)
    again = await backend.store.take_flow(state)

    assert taken == flow
    assert again is None
    assert await backend.store.take_flow(other_state) == other


async def test_a_grant_is_redeemed_whole_once(backend: Backend) -> None:
    code, grant = a_secret(), a_grant()
    await backend.store.issue(code, grant)

    redeemed = await backend.store.redeem(code)
    again = await backend.store.redeem(code)

    assert redeemed == grant
    assert again is None


async def test_unknown_states_and_codes_are_none(backend: Backend) -> None:
    state = a_secret()
    await backend.store.begin(state, a_flow())
    await backend.store.issue(a_secret(), a_grant())

    assert await backend.store.take_flow(a_secret()) is None
    assert await backend.store.redeem(a_secret()) is None
    # A state is not a code, nor the other way round.
    assert await backend.store.redeem(state) is None


async def test_flows_and_grants_expire_each_after_its_own_lifetime(backend: Backend) -> None:
    taken_state, expiring_state, code = a_secret(), a_secret(), a_secret()
    for state in (taken_state, expiring_state):
        await backend.store.begin(state, a_flow())
    await backend.store.issue(code, a_grant())

    await elapse(backend.clock, CODE_LIFETIME + SLACK)
    grant_after_its_lifetime = await backend.store.redeem(code)
    flow_within_its_lifetime = await backend.store.take_flow(taken_state)
    await elapse(backend.clock, FLOW_LIFETIME - CODE_LIFETIME)

    assert grant_after_its_lifetime is None
    assert flow_within_its_lifetime is not None
    assert await backend.store.take_flow(expiring_state) is None


@pytest.mark.parametrize("lifetimes", [RACE_LIFETIMES])
async def test_of_concurrent_takes_of_one_state_or_code_exactly_one_gets_it(
    backend: Backend,
) -> None:
    for _ in range(RACES):
        state, flow, code, grant = a_secret(), a_flow(), a_secret(), a_grant()
        await backend.store.begin(state, flow)
        await backend.store.issue(code, grant)

        taken = await asyncio.gather(
            *(backend.store.take_flow(state) for _ in range(RACERS)),
            *(backend.store.redeem(code) for _ in range(RACERS)),
        )

        assert [result for result in taken if result is not None] == [flow, grant]


@pytest.mark.redis
async def test_redis_keeps_no_state_or_code_in_clear(redis_url: str, redis_prefix: str) -> None:
    state, code = a_secret(), a_secret()
    async with redis_client_clearing(redis_url, redis_prefix) as client:
        store = RedisOAuthFlowStore(client, redis_prefix)
        await store.begin(state, a_flow())
        await store.issue(code, a_grant())

        keys = await keys_under(client, redis_prefix)
        dump = b"".join([*keys, *[await client.get(key) or b"" for key in keys]])

    assert len(keys) == 2
    assert state.encode() not in dump
    assert code.encode() not in dump


@pytest.mark.redis
async def test_redis_takes_a_code_an_older_version_issued_as_none(
    redis_url: str, redis_prefix: str
) -> None:
    """An exchange code issued before codes were bound to a browser is spent, not a 500."""
    code = a_secret()
    async with redis_client_clearing(redis_url, redis_prefix) as client:
        store = RedisOAuthFlowStore(client, redis_prefix)
        await store.issue(code, a_grant())
        [key] = await keys_under(client, redis_prefix)
        await client.set(key, b'{"user_id":"%s","provider":"github"}' % uuid.uuid4().hex.encode())

        assert await store.redeem(code) is None
        assert await keys_under(client, redis_prefix) == []


async def test_redis_reports_a_dead_server_as_unavailable() -> None:
    client = aioredis.Redis.from_url(CLOSED_PORT_URL, socket_connect_timeout=1)
    store = RedisOAuthFlowStore(client)
    try:
        for call in (
            store.begin("state", a_flow()),
            store.take_flow("state"),
            store.issue("code", a_grant()),
            store.redeem("code"),
        ):
            with pytest.raises(ServiceUnavailableError):
                await call
    finally:
        await client.aclose()
