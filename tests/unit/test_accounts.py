"""Registering, signing in and the account rules, against in-process adapters."""

from __future__ import annotations

import pytest

from scripthub.application.auth.log_in import LogInCommand
from scripthub.application.auth.register_user import RegisterUserCommand
from scripthub.domain.audit import Outcome
from scripthub.domain.errors import (
    AccountSuspendedError,
    EmailTakenError,
    InvalidCredentialsError,
    UsernameTakenError,
    ValidationError,
)
from scripthub.domain.users import AccountStatus
from tests.unit.world import PASSWORD, World


async def test_register_creates_an_active_user_with_the_user_role_and_email_provider(
    world: World,
) -> None:
    pair = await world.register(email="  Ada@Example.COM ", username="Ada_L")

    assert pair.user.user.email == "ada@example.com"
    assert pair.user.user.username == "ada_l"
    assert pair.user.roles == ["user"]
    assert pair.user.providers == ["email"]
    assert pair.user.user.account_status is AccountStatus.ACTIVE
    assert not pair.user.user.email_verified
    assert pair.user.user.password_hash != PASSWORD
    assert ("user.registered", "success") in world.audit_actions()
    principal = await world.principal(pair)
    assert principal.user_id == pair.user.user.id


async def test_emails_and_usernames_are_unique_case_insensitively(world: World) -> None:
    await world.register(email="ada@example.com", username="ada")

    with pytest.raises(EmailTakenError):
        await world.register(email="ADA@example.com ", username="other")
    with pytest.raises(UsernameTakenError):
        await world.register(email="other@example.com", username="ADA")


@pytest.mark.parametrize(
    "look_alike",
    [
        "\uff41\uff44\uff41@example.com",  # full-width letters
        "ada@\uff45xample.com",
        "\u1d43da@example.com",  # modifier letter small a
    ],
)
async def test_a_look_alike_of_an_existing_email_is_taken(world: World, look_alike: str) -> None:
    await world.register(email="ada@example.com", username="ada")

    with pytest.raises(EmailTakenError):
        await world.register(email=look_alike, username="other")


async def test_a_ligature_email_signs_in_as_its_plain_letters(world: World) -> None:
    await world.register(email="fiona@example.com", username="fiona")

    pair = await world.login(email="\ufb01ona@example.com")

    assert pair.user.user.email == "fiona@example.com"


@pytest.mark.parametrize(
    "email",
    [
        "ada\u200b@example.com",  # zero-width space
        "\u202emoc.elpmaxe@ada",  # right-to-left override
        "ada\u2066@example.com",  # left-to-right isolate
        "a\u00adda@example.com",  # soft hyphen
        "ada\u3164@example.com",  # Hangul filler
        "ada@exa\ufe0fmple.com",  # variation selector
    ],
)
async def test_emails_with_invisible_or_bidi_characters_are_refused(
    world: World, email: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await world.register(email=email, username="ada")

    assert [p.field for p in caught.value.problems] == ["email"]
    assert "invisible" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 8"),
        ("x" * 129, "at most 128"),
        ("Password123", "too common"),
    ],
)
async def test_register_rejects_passwords_breaking_the_policy(
    world: World, password: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await world.register(password=password)

    assert caught.value.problems[0].field == "password"
    assert message in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("email", "username", "field"),
    [
        ("not-an-email", "ada", "email"),
        ("ada@example.com", "me", "username"),
        ("ada@example.com", "ab", "username"),
        ("ada@example.com", "has space", "username"),
        ("ada@exa\x00mple.com", "ada", "email"),
    ],
)
async def test_register_rejects_bad_emails_and_usernames(
    world: World, email: str, username: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await world.register(email=email, username=username)

    assert caught.value.problems[0].field == field


async def test_register_rejects_control_characters_in_the_full_name(world: World) -> None:
    command = RegisterUserCommand("ada@example.com", PASSWORD, "ada", full_name="Ada\x00")

    with pytest.raises(ValidationError) as caught:
        await world.register_user().execute(command)

    assert caught.value.problems[0].field == "full_name"


async def test_register_names_every_bad_field_at_once(world: World) -> None:
    command = RegisterUserCommand("bad", "short", "x")

    with pytest.raises(ValidationError) as caught:
        await world.register_user().execute(command)

    assert [p.field for p in caught.value.problems] == ["email", "username", "password"]


async def test_any_character_may_be_in_a_password(world: World) -> None:
    password = "nul\x00inside and \u202e odd ones 🚀"
    await world.register(password=password)

    assert (await world.login(password=password)).user.user.username == "ada"


async def test_login_accepts_the_password_and_any_email_case(world: World) -> None:
    registered = await world.register()

    pair = await world.login(email=" ADA@example.com")

    assert pair.user.user.id == registered.user.user.id
    assert pair.refresh_token != registered.refresh_token
    assert ("auth.login", "success") in world.audit_actions()


async def test_login_accepts_the_username_in_any_case(world: World) -> None:
    registered = await world.register()

    pair = await world.login(email=" Ada ")

    assert pair.user.user.id == registered.user.user.id


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.com", "wrong password!"),
        ("ada", "wrong password!"),
        ("nobody@example.com", PASSWORD),
        ("nobody", PASSWORD),
        ("me", PASSWORD),
        ("not an email", PASSWORD),
    ],
)
async def test_login_failures_look_the_same_and_are_audited(
    world: World, email: str, password: str
) -> None:
    await world.register()

    with pytest.raises(InvalidCredentialsError):
        await world.login(email=email, password=password)

    assert ("auth.login", "failure") in world.audit_actions()


async def test_passwords_sharing_their_first_72_bytes_are_different_passwords(
    world: World,
) -> None:
    prefix = "p" * 72
    await world.register(password=prefix + "-one")

    with pytest.raises(InvalidCredentialsError):
        await world.login(password=prefix + "-two")
    assert (await world.login(password=prefix + "-one")).user.user.username == "ada"


async def test_login_with_a_very_long_password_is_just_wrong(world: World) -> None:
    await world.register()

    with pytest.raises(InvalidCredentialsError):
        await world.log_in().execute(LogInCommand("ada@example.com", "é" * 1000))


async def test_a_suspended_account_cannot_sign_in(world: World) -> None:
    pair = await world.register()
    async with world.uow() as uow:
        assert await uow.users.change_status(
            pair.user.user.id,
            AccountStatus.SUSPENDED,
            world.clock.now(),
            only_from=[AccountStatus.ACTIVE],
        )
        await uow.commit()

    with pytest.raises(AccountSuspendedError):
        await world.login()
    with pytest.raises(InvalidCredentialsError):
        await world.login(password="wrong password!")


async def test_a_failed_login_is_audited_against_the_account_it_targeted(world: World) -> None:
    own = (await world.register()).user.user
    for email in ("ada@example.com", "nobody@example.com"):
        with pytest.raises(InvalidCredentialsError):
            await world.login(email, password="wrong password!")

    failures = [
        entry
        for entry in world.database.audit_entries.values()
        if entry.action == "auth.login" and entry.outcome is Outcome.FAILURE
    ]
    assert [(f.actor_id, f.resource_id) for f in failures] == [(None, str(own.id)), (None, None)]


@pytest.mark.parametrize(
    "address",
    ["a..b@example.com", ".x@example.com", "x@-bad-.com", "x@example.com.", "x@localhost"],
)
async def test_addresses_that_break_email_syntax_are_refused(world: World, address: str) -> None:
    with pytest.raises(ValidationError) as refused:
        await world.register(email=address)

    assert [problem.field for problem in refused.value.problems] == ["email"]
    assert world.database.users == {}


async def test_an_internationalized_domain_has_one_form_whichever_is_given(world: World) -> None:
    pair = await world.register(email="Ada@xn--bcher-kva.example")

    assert pair.user.user.email == "ada@b\u00fccher.example"
    assert await world.login(email="ada@B\u00dcCHER.example")
    assert await world.login(email="ada@xn--bcher-kva.example")
    with pytest.raises(EmailTakenError):
        await world.register(email="ada@b\u00fccher.example", username="other")
