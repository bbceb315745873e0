"""Which account a provider identity signs in to, and linking: the account rules of API.md
"OAuth", against in-process adapters."""

from __future__ import annotations

import random
import unicodedata
import uuid
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from scripthub.application.accounts import load_own_user
from scripthub.application.auth.reset_password import ResetPasswordCommand
from scripthub.application.ports.oauth import ProviderIdentity
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    AccountSuspendedError,
    BadRequestError,
    EmailTakenError,
    InvalidCredentialsError,
    OAuthError,
    ProviderAlreadyLinkedError,
)
from scripthub.domain.oauth import check_redirect_to, username_base
from scripthub.domain.providers import Provider
from scripthub.domain.users import AccountStatus
from tests.unit.test_mail_flows import NEW_PASSWORD, reset_link, token_of
from tests.unit.world import World

HERE = RequestContext(ip_address="203.0.113.9")


def identity(
    provider_user_id: str = "4242",
    email: str | None = "octo@example.com",
    *,
    verified: bool = True,
    provider: Provider = Provider.GITHUB,
    login: str | None = "Octo Cat",
) -> ProviderIdentity:
    return ProviderIdentity(
        provider=provider,
        provider_user_id=provider_user_id,
        email=email,
        email_verified=verified,
        login=login,
        name="The Octocat",
        avatar_url="https://avatars.example.com/u/4242",
    )


async def verify_email(world: World, user_id: uuid.UUID) -> None:
    async with world.uow() as uow:
        assert await uow.users.mark_email_verified(user_id, world.clock.now())
        await uow.commit()


async def providers_of(world: World, user_id: uuid.UUID) -> list[str]:
    async with world.uow() as uow:
        return (await load_own_user(uow, user_id)).providers


async def test_a_new_identity_gets_a_new_account_without_a_password(world: World) -> None:
    user = await world.identity_accounts().sign_in_account(identity(), HERE)
    again = await world.identity_accounts().sign_in_account(identity(), HERE)

    assert again.id == user.id
    assert user.email == "octo@example.com"
    assert user.username == "octo-cat"
    assert user.email_verified
    assert user.password_hash is None
    assert user.profile.full_name == "The Octocat"
    assert await providers_of(world, user.id) == ["github"]
    assert world.audit_actions().count(("user.registered", "success")) == 1
    registered = next(
        e for e in world.database.audit_entries.values() if e.action == "user.registered"
    )
    assert registered.metadata["provider"] == "github"
    assert registered.ip_address == "203.0.113.9"


async def test_a_verified_email_signs_in_to_the_verified_account_that_holds_it(
    world: World,
) -> None:
    pair = await world.register(email="Octo@Example.com", username="octo")
    await verify_email(world, pair.user.user.id)

    user = await world.identity_accounts().sign_in_account(identity(), HERE)

    assert user.id == pair.user.user.id
    assert await providers_of(world, user.id) == ["email", "github"]
    assert ("auth.provider_linked", "success") in world.audit_actions()


@pytest.mark.parametrize(
    "provider_email",
    ["OCTO@example.com", "\uff4f\uff43\uff54\uff4f@example.com", " octo@EXAMPLE.com "],
)
async def test_an_email_in_another_case_or_unicode_form_is_the_same_email(
    world: World, provider_email: str
) -> None:
    pair = await world.register(email="octo@example.com", username="octo")

    with pytest.raises(EmailTakenError):  # the account's email is not verified
        await world.identity_accounts().sign_in_account(identity(email=provider_email), HERE)

    await verify_email(world, pair.user.user.id)
    user = await world.identity_accounts().sign_in_account(identity(email=provider_email), HERE)
    assert user.id == pair.user.user.id


async def test_an_unverified_email_on_either_side_never_takes_over_an_account(
    world: World,
) -> None:
    pair = await world.register(email="octo@example.com", username="octo")
    await verify_email(world, pair.user.user.id)

    with pytest.raises(EmailTakenError):
        await world.identity_accounts().sign_in_account(identity(verified=False), HERE)

    assert await providers_of(world, pair.user.user.id) == ["email"]
    assert ("auth.provider_linked", "success") not in world.audit_actions()


async def test_an_unverified_email_nobody_holds_makes_an_unverified_account(
    world: World,
) -> None:
    user = await world.identity_accounts().sign_in_account(identity(verified=False), HERE)

    assert not user.email_verified


async def test_no_usable_email_is_an_oauth_error(world: World) -> None:
    with pytest.raises(OAuthError):
        await world.identity_accounts().sign_in_account(identity(email=None), HERE)
    with pytest.raises(OAuthError):
        await world.identity_accounts().sign_in_account(identity(email="not an email"), HERE)

    assert world.database.users == {}


async def test_a_suspended_account_is_not_signed_in_to(world: World) -> None:
    user = await world.identity_accounts().sign_in_account(identity(), HERE)
    async with world.uow() as uow:
        await uow.users.change_status(
            user.id, AccountStatus.SUSPENDED, world.clock.now(), only_from=[AccountStatus.ACTIVE]
        )
        await uow.commit()

    with pytest.raises(AccountSuspendedError):
        await world.identity_accounts().sign_in_account(identity(), HERE)


async def test_a_taken_username_gets_a_suffix(world: World) -> None:
    await world.register(email="ada@example.com", username="octo-cat")

    user = await world.identity_accounts().sign_in_account(identity(), HERE)

    assert user.username.startswith("octo-cat-")
    assert len(user.username) == len("octo-cat-") + 6


async def test_linking_adds_the_identity_once_and_refuses_what_another_account_holds(
    world: World,
) -> None:
    ada = (await world.register(email="ada@example.com", username="ada")).user.user.id
    bob = (await world.register(email="bob@example.com", username="bob")).user.user.id
    accounts = world.identity_accounts()

    await accounts.link(ada, identity(email="ada@elsewhere.example"), HERE)
    await accounts.link(ada, identity(email="ada@elsewhere.example"), HERE)  # linked already
    with pytest.raises(ProviderAlreadyLinkedError):
        await accounts.link(bob, identity(email="ada@elsewhere.example"), HERE)
    with pytest.raises(ProviderAlreadyLinkedError):  # one GitHub identity per account
        await accounts.link(ada, identity("777", "ada2@elsewhere.example"), HERE)

    assert await providers_of(world, ada) == ["email", "github"]
    assert await providers_of(world, bob) == ["email"]
    assert world.audit_actions().count(("auth.provider_linked", "success")) == 1
    signed_in = await accounts.sign_in_account(identity(email="ada@elsewhere.example"), HERE)
    assert signed_in.id == ada


@pytest.mark.parametrize(
    ("login", "name", "email", "expected"),
    [
        ("Octo Cat", None, "x@example.com", "octo-cat"),
        ("Ünïcödé_Ñame", None, "x@example.com", "unicode_name"),
        ("東京", "Zoë", "x@example.com", "zoe"),
        (None, None, "jane.doe+tag@example.com", "jane-doe-tag"),
        ("me", None, "ab@example.com", "user"),
        ("a" * 40, None, "x@example.com", "a" * 24),
    ],
)
def test_a_username_comes_from_the_login_then_the_name_then_the_email(
    login: str | None, name: str | None, email: str, expected: str
) -> None:
    assert username_base(login, name, email.partition("@")[0]) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/scripts/42?tab=code",
        "/a/b#c",
        "/scripts/",
        "/users/ada/.well-known-ish",
        "/...",
        "/caf%C3%A9",
        "/search?q=a%2Fb&next=//x#/..//y",
        "/@evil.example",
        "/a:b;c=d,e~f!g$h&i'j(k)l*m+n",
        "/" + "a" * 2047,
    ],
)
def test_a_redirect_to_is_a_path_on_the_frontend(path: str) -> None:
    assert check_redirect_to(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "/%2f%2fevil.example",
        "/%5Cevil.example",
        "relative/path",
        "",
        "/tab\there",
        "/" + "a" * 2048,
        # Dot segments, raw or encoded: the URL parser resolves them into `//evil.example`.
        "/.//evil.example",
        "/..//evil.example",
        "/./",
        "/a/..",
        "/%2e%2e//evil.example",
        "/.%2E//evil.example",
        "/%2e/%2fevil.example",
        # Tabs, CR and LF, which the URL parser drops, raw or percent-encoded, and other
        # controls, spaces and invisible characters.
        "/%09/evil.example",
        "/\t/evil.example",
        "/%0d%0a/evil.example",
        "/%0A/evil.example",
        "/?x=%0d%0aSet-Cookie:a=b",
        "/%00",
        "/%7F",
        "/%20/evil.example",
        "/ /evil.example",
        "/%C2%A0",
        "/%C2%85",
        "/%E2%80%AE",
        "/%E2%80%8B",
        # Unicode that folds (NFKC) into a slash, backslash, dot or percent sign.
        "/\uff0f/evil.example",
        "/%EF%BC%8F/evil.example",
        "/%EF%BC%BCevil.example",
        "/%EF%B9%92%EF%B9%92//evil.example",
        "/%E2%80%A5//evil.example",
        "/%EF%BC%85",
        "/\u00e9",
        # Empty segments, encoded slashes or percent signs, and escapes that are not UTF-8.
        "/a//b",
        "//",
        "/%2F/evil.example",
        "/%252F%252Fevil.example",
        "/%",
        "/%zz",
        "/%FF",
        "/%C3",
    ],
)
def test_a_redirect_to_that_could_leave_the_frontend_is_refused(path: str) -> None:
    with pytest.raises(BadRequestError):
        check_redirect_to(path)


REDIRECT_PIECES = [
    *("/", "/", ".", ".", "a", "?", "#", "%2e", "%2E", "%2f", "%5c", "%09", "%0a", "%25"),
    *"\\%@: \t\n",
    *("%00", "%ff", "%C3%A9", "%EF%BC%8F", "\uff0f", "\u2025", "\ufe52", "\u200b", "\ud800"),
]


def test_any_redirect_to_is_accepted_unchanged_on_the_frontend_or_refused() -> None:
    """Never another error (a 500); what passes stays on the frontend's origin, and neither
    the URL parser nor a router that decodes and folds it finds a dot segment or `//` in it."""
    pick = random.Random(18)
    accepted = 0
    for _ in range(20_000):
        raw = "/" + "".join(pick.choices(REDIRECT_PIECES, k=pick.randint(0, 6)))
        try:
            checked = check_redirect_to(raw)
        except BadRequestError:
            continue
        accepted += 1
        path = raw.partition("?")[0].partition("#")[0]
        joined = urlsplit(urljoin("https://frontend.example/app/", checked))
        assert checked == raw
        assert (joined.scheme, joined.netloc, joined.path) == ("https", "frontend.example", path)
        folded = unicodedata.normalize("NFKC", unquote(path))
        assert "//" not in folded
        assert not {".", ".."} & set(folded.split("/"))
    assert accepted > 100


async def test_an_oauth_only_account_sets_a_password_through_a_reset(world: World) -> None:
    user = await world.identity_accounts().sign_in_account(identity(email="ada@example.com"), HERE)
    with pytest.raises(InvalidCredentialsError):  # no password yet
        await world.login(password=NEW_PASSWORD)

    link = await reset_link(world)
    await world.reset_password().execute(ResetPasswordCommand(token_of(link), NEW_PASSWORD))

    assert (await world.login(password=NEW_PASSWORD)).user.user.id == user.id
    assert await providers_of(world, user.id) == ["email", "github"]
