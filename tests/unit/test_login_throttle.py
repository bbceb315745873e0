"""Repeated wrong passwords for one account slow down the client that sends them, never the
account: against in-process adapters and a clock the test moves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scripthub.application.auth.log_in import LogInCommand
from scripthub.application.auth.session_starter import TokenPair
from scripthub.domain.audit import Outcome, RequestContext
from scripthub.domain.errors import InvalidCredentialsError, LoginThrottledError
from tests.unit.world import PASSWORD, World

GUESSER = RequestContext(ip_address="203.0.113.7")
OWNER = RequestContext(ip_address="198.51.100.1")
WRONG = "wrong password!"


async def attempt(
    world: World,
    password: str = PASSWORD,
    email: str = "ada@example.com",
    context: RequestContext = GUESSER,
) -> TokenPair:
    return await world.log_in().execute(LogInCommand(email, password, context))


async def fail(world: World, times: int, email: str = "ada@example.com") -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentialsError):
            await attempt(world, WRONG, email)


def throttled_retry_after(error: pytest.ExceptionInfo[LoginThrottledError]) -> int:
    assert error.value.code == "rate_limited"
    return error.value.retry_after


async def test_ten_failures_refuse_that_client_even_the_right_password(world: World) -> None:
    await world.register()
    await fail(world, 10)

    with pytest.raises(LoginThrottledError) as refused:
        await attempt(world)

    assert throttled_retry_after(refused) == 1


async def test_a_refused_attempt_checks_no_password_and_is_not_audited(world: World) -> None:
    await world.register()
    await fail(world, 10)
    entries_before = len(world.database.audit_entries)

    with pytest.raises(LoginThrottledError):
        await attempt(world, "the right one, maybe?")
    world.clock.advance(timedelta(seconds=1))

    # Not counted as a failure either: the next wrong password starts a 2 s block, not 4 s.
    with pytest.raises(InvalidCredentialsError):
        await attempt(world, WRONG)
    with pytest.raises(LoginThrottledError) as refused:
        await attempt(world)
    assert throttled_retry_after(refused) == 2
    assert len(world.database.audit_entries) == entries_before + 2


async def test_each_failure_after_a_block_doubles_the_next_one(world: World) -> None:
    await world.register()
    await fail(world, 10)
    waits = []
    for _ in range(4):
        with pytest.raises(LoginThrottledError) as refused:
            await attempt(world, WRONG)
        waits.append(throttled_retry_after(refused))
        world.clock.advance(timedelta(seconds=waits[-1]))
        await fail(world, 1)

    assert waits == [1, 2, 4, 8]


async def test_the_owner_from_another_client_still_signs_in(world: World) -> None:
    await world.register()
    await fail(world, 10)

    pair = await attempt(world, context=OWNER)

    assert pair.user.user.username == "ada"
    with pytest.raises(LoginThrottledError):
        await attempt(world)


async def test_the_right_password_after_the_block_resets_that_clients_count(
    world: World,
) -> None:
    await world.register()
    await fail(world, 10)
    world.clock.advance(timedelta(seconds=1))

    await attempt(world)
    await fail(world, 10)

    with pytest.raises(LoginThrottledError) as refused:
        await attempt(world)
    assert throttled_retry_after(refused) == 1


async def test_unknown_and_malformed_emails_are_throttled_like_an_account(world: World) -> None:
    await world.register()
    for email in ("nobody@example.com", "not an email"):
        await fail(world, 10, email)

        with pytest.raises(LoginThrottledError) as refused:
            await attempt(world, email=email)

        assert throttled_retry_after(refused) == 1


async def test_spellings_of_one_email_share_a_count(world: World) -> None:
    await world.register()
    await fail(world, 5, " ADA@example.com")
    await fail(world, 5, "ada@EXAMPLE.com")

    with pytest.raises(LoginThrottledError):
        await attempt(world)


async def test_the_failure_that_starts_a_block_audits_it(world: World) -> None:
    own = (await world.register()).user.user
    await fail(world, 10)

    throttled = [e for e in world.database.audit_entries.values() if e.action.endswith("throttled")]

    assert [(e.action, e.outcome) for e in throttled] == [("auth.login_throttled", Outcome.DENIED)]
    entry = throttled[0]
    assert (entry.actor_id, entry.resource_id) == (None, str(own.id))
    assert (entry.ip_address, entry.metadata) == (GUESSER.ip_address, {"retry_after": 1})
