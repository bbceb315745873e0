"""Repeated wrong passwords for one account slow down the client that sends them, never the
account: against in-process adapters and a clock the test moves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scripthub.application.auth.change_password import ChangePasswordCommand
from scripthub.application.auth.log_in import LogInCommand
from scripthub.application.auth.session_starter import TokenPair
from scripthub.domain.audit import Outcome, RequestContext
from scripthub.domain.errors import InvalidCredentialsError, LoginThrottledError
from tests.unit.world import PASSWORD, World

GUESSER = RequestContext(ip_address="203.0.113.7")
OWNER = RequestContext(ip_address="198.51.100.1")
WRONG = "wrong password!"
NEW_PASSWORD = "a brand new passphrase"


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


async def refused(world: World, password: str = WRONG, email: str = "ada@example.com") -> int:
    """The `Retry-After` of an attempt that must be throttled."""
    with pytest.raises(LoginThrottledError) as error:
        await attempt(world, password, email)
    assert error.value.code == "rate_limited"
    return error.value.retry_after


async def test_the_tenth_failure_is_refused_and_so_is_the_right_password_after_it(
    world: World,
) -> None:
    await world.register()
    await fail(world, 9)

    assert await refused(world) == 1
    assert await refused(world, PASSWORD) == 2


async def test_each_attempt_past_the_threshold_doubles_the_wait_up_to_15_minutes(
    world: World,
) -> None:
    await world.register()
    await fail(world, 9)

    waits = [await refused(world) for _ in range(13)]

    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


async def test_a_failure_after_the_block_ended_blocks_again_for_longer(world: World) -> None:
    await world.register()
    await fail(world, 9)
    assert await refused(world) == 1
    world.clock.advance(timedelta(seconds=1))

    assert await refused(world) == 2


async def test_a_blocked_attempt_is_not_audited(world: World) -> None:
    await world.register()
    await fail(world, 9)
    await refused(world)
    entries_before = len(world.database.audit_entries)

    await refused(world, PASSWORD)

    assert len(world.database.audit_entries) == entries_before


async def test_the_owner_from_another_client_still_signs_in(world: World) -> None:
    await world.register()
    await fail(world, 9)
    await refused(world)

    pair = await attempt(world, context=OWNER)

    assert pair.user.user.username == "ada"
    assert await refused(world, PASSWORD) == 2


async def test_after_a_password_change_the_new_password_gets_in_from_the_blocked_client(
    world: World,
) -> None:
    await world.register()
    await fail(world, 9)
    await refused(world)
    principal = await world.principal(await attempt(world, context=OWNER))
    await world.change_password().execute(ChangePasswordCommand(principal, PASSWORD, NEW_PASSWORD))

    pair = await attempt(world, NEW_PASSWORD)

    assert pair.user.user.username == "ada"


async def test_the_right_password_after_the_block_resets_that_clients_count(
    world: World,
) -> None:
    await world.register()
    await fail(world, 9)
    await refused(world)
    world.clock.advance(timedelta(seconds=1))

    await attempt(world)
    await fail(world, 9)

    assert await refused(world) == 1


async def test_unknown_and_malformed_emails_are_throttled_like_an_account(world: World) -> None:
    await world.register()
    for email in ("nobody@example.com", "not an email"):
        await fail(world, 9, email)

        assert await refused(world, email=email) == 1


async def test_spellings_of_one_email_share_a_count(world: World) -> None:
    await world.register()
    await fail(world, 5, " ADA@example.com")
    await fail(world, 4, "ada@EXAMPLE.com")

    assert await refused(world) == 1


async def test_the_failure_that_starts_a_block_audits_it(world: World) -> None:
    own = (await world.register()).user.user
    await fail(world, 9)
    await refused(world)

    throttled = [e for e in world.database.audit_entries.values() if e.action.endswith("throttled")]

    assert [(e.action, e.outcome) for e in throttled] == [("auth.login_throttled", Outcome.DENIED)]
    entry = throttled[0]
    assert (entry.actor_id, entry.resource_id) == (None, str(own.id))
    assert (entry.ip_address, entry.metadata) == (GUESSER.ip_address, {"retry_after": 1})


async def test_a_username_is_throttled_like_an_unknown_one(world: World) -> None:
    await world.register()
    for username in (" ADA", "nobody"):
        await fail(world, 9, username)

        assert await refused(world, email=username) == 1


async def test_an_accounts_username_and_email_are_counted_apart(world: World) -> None:
    # Counted together, a guesser could learn which email a public username has.
    await world.register()
    await fail(world, 9, "ada")

    await fail(world, 9, "ada@example.com")

    assert await refused(world, email="ada") == 1
    assert await refused(world) == 1
