"""Moving an account to a new email address: a link to the new address, then the switch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scripthub.application.accounts import Principal
from scripthub.application.auth.log_in import LogInCommand
from scripthub.application.auth.request_password_reset import RequestPasswordResetCommand
from scripthub.application.auth.reset_password import ResetPasswordCommand
from scripthub.application.users.confirm_email_change import ConfirmEmailChangeCommand
from scripthub.application.users.request_email_change import RequestEmailChangeCommand
from scripthub.domain.errors import (
    EmailTakenError,
    EmailTokenInvalidError,
    InvalidCredentialsError,
    ValidationError,
    WrongCurrentPasswordError,
)
from scripthub.domain.providers import Provider
from tests.unit.test_mail_flows import token_of
from tests.unit.world import PASSWORD, World

NEW_EMAIL = "ada.lovelace@example.org"


async def request_change(
    world: World, principal: Principal, email: str = NEW_EMAIL, password: str = PASSWORD
) -> None:
    command = RequestEmailChangeCommand(principal, email, password)
    await world.request_email_change().execute(command)


async def confirm(world: World, principal: Principal, link: str) -> None:
    await world.confirm_email_change().execute(ConfirmEmailChangeCommand(principal, token_of(link)))


async def change_link(world: World) -> str:
    """The latest email-change link mailed."""
    return (await world.delivered_links("confirm-email"))[-1]


async def test_the_new_address_takes_over_only_once_its_link_is_followed(world: World) -> None:
    principal = await world.member()
    await world.delivered_links()  # the registration's verification mail
    world.mailer.inbox.clear()

    await request_change(world, principal, " Ada.Lovelace@Example.ORG ")
    link = await change_link(world)
    assert [mail.to for mail in world.mailer.inbox] == [NEW_EMAIL]
    assert world.database.users[principal.user_id].email == "ada@example.com"

    own = await world.confirm_email_change().execute(
        ConfirmEmailChangeCommand(principal, token_of(link))
    )

    assert (own.user.email, own.user.email_verified) == (NEW_EMAIL, True)
    stored = world.database.users[principal.user_id]
    assert (stored.email, stored.email_verified_at) == (NEW_EMAIL, own.user.email_verified_at)
    await world.deliver_mail().run_once()
    notice = world.mailer.inbox[-1]
    assert notice.to == "ada@example.com"
    assert NEW_EMAIL in notice.text
    assert ("user.email_changed", "success") in world.audit_actions()
    [email_link] = [
        link for link in world.database.provider_links.values() if link.provider is Provider.EMAIL
    ]
    assert email_link.email == NEW_EMAIL


async def test_login_uses_the_new_address_and_no_longer_the_old_one(world: World) -> None:
    principal = await world.member()
    await request_change(world, principal)
    await confirm(world, principal, await change_link(world))

    assert (await world.login(NEW_EMAIL)).user.user.email == NEW_EMAIL
    with pytest.raises(InvalidCredentialsError):
        await world.log_in().execute(LogInCommand("ada@example.com", PASSWORD))


async def test_a_wrong_current_password_changes_nothing_and_mails_nothing(world: World) -> None:
    principal = await world.member()
    world.mailer.inbox.clear()

    with pytest.raises(WrongCurrentPasswordError):
        await request_change(world, principal, password="not the password")

    assert await world.delivered_links("confirm-email") == []


async def test_an_address_in_use_or_the_current_one_is_refused(world: World) -> None:
    principal = await world.member()
    await world.member("bob")

    with pytest.raises(EmailTakenError):
        await request_change(world, principal, "bob@example.com")
    with pytest.raises(ValidationError):
        await request_change(world, principal, "ADA@example.com")
    with pytest.raises(ValidationError):
        await request_change(world, principal, "not an address")


async def test_the_address_taken_meanwhile_is_refused_at_confirmation(world: World) -> None:
    principal = await world.member()
    await request_change(world, principal)
    link = await change_link(world)
    await world.register(email=NEW_EMAIL, username="impostor")

    with pytest.raises(EmailTakenError):
        await confirm(world, principal, link)
    assert world.database.users[principal.user_id].email == "ada@example.com"
    assert ("user.email_changed", "success") not in world.audit_actions()


async def test_a_link_works_once_for_a_day_and_only_for_its_account(world: World) -> None:
    ada = await world.member()
    bob = await world.member("bob")
    await request_change(world, ada)
    link = await change_link(world)

    with pytest.raises(EmailTokenInvalidError):
        await confirm(world, bob, link)
    await confirm(world, ada, link)
    with pytest.raises(EmailTokenInvalidError):
        await confirm(world, ada, link)

    world.clock.advance(timedelta(minutes=2))
    await request_change(world, ada, "ada@elsewhere.example")
    later = await change_link(world)
    world.clock.advance(timedelta(hours=24, seconds=1))
    with pytest.raises(EmailTokenInvalidError):
        await confirm(world, ada, later)


async def test_links_mailed_to_the_old_address_stop_working(world: World) -> None:
    principal = await world.member()
    await world.request_password_reset().execute(RequestPasswordResetCommand("ada@example.com"))
    [reset_link] = await world.delivered_links("reset-password")
    await request_change(world, principal)
    await confirm(world, principal, await change_link(world))

    command = ResetPasswordCommand(token_of(reset_link), "a brand new passphrase")
    with pytest.raises(EmailTokenInvalidError):
        await world.reset_password().execute(command)


async def test_requests_within_a_minute_mail_once(world: World) -> None:
    principal = await world.member()
    await request_change(world, principal)
    await request_change(world, principal, "ada@elsewhere.example")

    assert len(await world.delivered_links("confirm-email")) == 1
