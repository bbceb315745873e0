"""Refresh rotation, reuse detection, sign-out and session management."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from scripthub.application.auth.authenticate_request import AuthenticateRequestQuery
from scripthub.application.auth.end_session import EndSessionCommand
from scripthub.application.auth.list_sessions import ListSessionsQuery
from scripthub.application.auth.log_out import LogOutCommand
from scripthub.application.auth.refresh_session import RefreshSessionCommand
from scripthub.application.ports.system import RateCharge
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    InvalidTokenError,
    NotFoundError,
    RateLimitedError,
    RefreshTokenInvalidError,
    RefreshTokenReusedError,
    SessionRevokedError,
    TokenExpiredError,
)
from tests.unit.world import SESSION_LIFETIME, World


async def refresh(world: World, token: str):  # type: ignore[no-untyped-def]
    return await world.refresh_session().execute(RefreshSessionCommand(token))


async def test_refresh_rotates_the_token_and_keeps_the_session(world: World) -> None:
    pair = await world.register()

    rotated = await refresh(world, pair.refresh_token)

    assert rotated.refresh_token != pair.refresh_token
    assert (await world.principal(rotated)).session_id == (await world.principal(pair)).session_id


async def test_a_rotated_token_within_the_grace_window_gets_the_current_pair(
    world: World,
) -> None:
    pair = await world.register()
    rotated = await refresh(world, pair.refresh_token)

    retry = await refresh(world, pair.refresh_token)

    assert retry.refresh_token == rotated.refresh_token
    assert retry.access_token != rotated.access_token
    assert (await world.principal(retry)).session_id == (await world.principal(pair)).session_id
    assert await refresh(world, rotated.refresh_token)


async def test_within_the_grace_window_a_token_the_session_moved_past_is_refused_harmlessly(
    world: World,
) -> None:
    pair = await world.register()
    rotated = await refresh(world, pair.refresh_token)
    latest = await refresh(world, rotated.refresh_token)

    with pytest.raises(RefreshTokenInvalidError):
        await refresh(world, pair.refresh_token)

    assert await world.principal(latest)
    assert await refresh(world, latest.refresh_token)


async def test_a_rotated_token_after_the_grace_window_ends_the_session(world: World) -> None:
    pair = await world.register()
    rotated = await refresh(world, pair.refresh_token)
    world.clock.advance(timedelta(seconds=11))

    with pytest.raises(RefreshTokenReusedError):
        await refresh(world, pair.refresh_token)

    with pytest.raises(RefreshTokenInvalidError):
        await refresh(world, rotated.refresh_token)
    with pytest.raises(SessionRevokedError):
        await world.principal(pair)
    assert ("auth.refresh_reused", "denied") in world.audit_actions()


async def test_concurrent_refreshes_all_get_the_one_live_successor(world: World) -> None:
    pair = await world.register()

    results = await asyncio.gather(*(refresh(world, pair.refresh_token) for _ in range(8)))

    assert len({result.refresh_token for result in results}) == 1
    assert len({result.access_token for result in results}) == 8
    assert await refresh(world, results[0].refresh_token)


@pytest.mark.parametrize("token", ["", "garbage", "x" * 1000])
async def test_unknown_refresh_tokens_are_invalid(world: World, token: str) -> None:
    with pytest.raises(RefreshTokenInvalidError):
        await refresh(world, token)


async def test_a_session_past_its_lifetime_cannot_be_refreshed(world: World) -> None:
    pair = await world.register()
    world.clock.advance(SESSION_LIFETIME + timedelta(seconds=1))

    with pytest.raises(RefreshTokenInvalidError):
        await refresh(world, pair.refresh_token)


async def test_logout_rejects_the_sessions_access_token_at_once(world: World) -> None:
    pair = await world.register()
    other = await world.login()
    principal = await world.principal(pair)

    await world.log_out().execute(LogOutCommand(principal, RequestContext()))

    with pytest.raises(SessionRevokedError):
        await world.principal(pair)
    assert await world.principal(other)
    with pytest.raises(RefreshTokenInvalidError):
        await refresh(world, pair.refresh_token)


async def test_logout_everywhere_ends_every_session(world: World) -> None:
    pair = await world.register()
    other = await world.login()

    await world.log_out().execute(
        LogOutCommand(await world.principal(pair), RequestContext(), everywhere=True)
    )

    for ended in (pair, other):
        with pytest.raises(SessionRevokedError):
            await world.principal(ended)


async def test_sessions_are_listed_newest_first_with_the_current_one_marked(
    world: World,
) -> None:
    world.clock.advance(timedelta(seconds=-5))  # access tokens must not be issued in the future
    first = await world.register()
    world.clock.advance(timedelta(seconds=1))
    second = await world.login()

    views = await world.list_sessions().execute(ListSessionsQuery(await world.principal(first)))

    assert [v.session.id for v in views] == [
        (await world.principal(second)).session_id,
        (await world.principal(first)).session_id,
    ]
    assert [v.current for v in views] == [False, True]


async def test_a_user_can_end_their_own_session_but_not_anyone_elses(world: World) -> None:
    ada = await world.register()
    ada_phone = await world.login()
    bob = await world.register(email="bob@example.com", username="bob")
    ada_principal = await world.principal(ada)
    phone_session = (await world.principal(ada_phone)).session_id

    with pytest.raises(NotFoundError):
        await world.end_session().execute(
            EndSessionCommand(await world.principal(bob), phone_session, RequestContext())
        )
    with pytest.raises(NotFoundError):
        await world.end_session().execute(
            EndSessionCommand(ada_principal, uuid.uuid4(), RequestContext())
        )

    await world.end_session().execute(
        EndSessionCommand(ada_principal, phone_session, RequestContext())
    )
    with pytest.raises(SessionRevokedError):
        await world.principal(ada_phone)


async def test_authentication_rejects_bad_and_expired_access_tokens(world: World) -> None:
    pair = await world.register()

    authenticate = world.authenticate_request()
    bad = await authenticate.execute(AuthenticateRequestQuery(pair.access_token + "x"))
    with pytest.raises(InvalidTokenError):
        bad.require_principal()
    assert bad.rate is None  # refused before the store was asked
    world.clock.advance(timedelta(hours=-2))
    stale = world.sessions.pair(pair.user, uuid.uuid4(), "unused")
    expired = await authenticate.execute(AuthenticateRequestQuery(stale.access_token))
    with pytest.raises(TokenExpiredError):
        expired.require_principal()


async def test_authentication_counts_the_request_in_the_same_read(world: World) -> None:
    pair = await world.register()
    charge = RateCharge("api:203.0.113.9", limit=2, window_seconds=60)
    authenticate = world.authenticate_request()

    first = await authenticate.execute(AuthenticateRequestQuery(pair.access_token, charge))
    await world.log_out().execute(LogOutCommand(first.require_principal()))
    ended = await authenticate.execute(AuthenticateRequestQuery(pair.access_token, charge))
    over = await authenticate.execute(AuthenticateRequestQuery(pair.access_token, charge))

    assert first.rate is not None
    assert (first.rate.allowed, first.rate.remaining) == (True, 1)
    # An ended session is still counted, once, and then refused.
    assert ended.rate is not None
    assert (ended.rate.allowed, ended.rate.remaining) == (True, 0)
    with pytest.raises(SessionRevokedError):
        ended.require_principal()
    assert over.rate is not None
    assert not over.rate.allowed
    with pytest.raises(RateLimitedError):
        over.require_principal()


async def test_a_request_over_its_budget_reads_no_grants(world: World) -> None:
    pair = await world.register()
    user_id = pair.user.user.id
    charge = RateCharge("api:203.0.113.10", limit=0, window_seconds=60)

    refused = await world.authenticate_request().execute(
        AuthenticateRequestQuery(pair.access_token, charge)
    )

    assert refused.rate is not None
    assert not refused.rate.allowed
    # Grants read from the database would have been cached on the way.
    assert (await world.permission_cache.lookup(user_id)).access is None
    await world.principal(pair)
    assert (await world.permission_cache.lookup(user_id)).access is not None


async def test_a_token_naming_another_user_s_session_is_refused(world: World) -> None:
    ada = await world.register()
    bob = await world.register(email="bob@example.com", username="bob")
    bob_session = (await world.principal(bob)).session_id
    forged = world.sessions.pair(ada.user, bob_session, "unused")  # ada's id, bob's session

    authentication = await world.authenticate_request().execute(
        AuthenticateRequestQuery(forged.access_token)
    )

    with pytest.raises(SessionRevokedError):
        authentication.require_principal()
