"""The OAuth gateway against the fake provider, over real HTTP: identities, PKCE, and every way
a provider can fail ending in OAuthError (never anything else), logged and reported."""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from prometheus_client import REGISTRY

from scripthub.adapters.oauth.gateway import HttpOAuthGateway
from scripthub.adapters.oauth.id_tokens import JWKS_MAX_AGE
from scripthub.adapters.oauth.registration import SCOPES
from scripthub.application.ports.oauth import AuthorizationRequest, ProviderIdentity
from scripthub.domain.errors import OAuthError
from scripthub.domain.providers import Provider
from scripthub.entrypoints.oauth_gateway import oauth_gateway_for, provider_registrations
from scripthub.entrypoints.settings import Settings, load_settings
from tests.fake_oauth_provider import (
    OAUTH_PROVIDERS,
    Endpoint,
    FakeOAuthProvider,
    FakePerson,
    Fault,
    IdTokenDefect,
    s256,
)

REDIRECT_URI = "http://127.0.0.1:8000/api/auth/{provider}/callback"
SLOW_DEADLINE = 0.3
"""The gateway's deadline where the fake stalls (30 s): short, so the test is."""


@dataclass(frozen=True)
class Consent:
    """What the callback would hold, and what the flow kept: enough to ask for the identity."""

    provider: Provider
    code: str
    code_verifier: str
    nonce: str
    redirect_uri: str


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    fake: FakeOAuthProvider
    gateway: HttpOAuthGateway
    failures: list[tuple[Provider, str]]
    clock: Clock

    async def consent(self, provider: Provider, gateway: HttpOAuthGateway | None = None) -> Consent:
        """What a browser does: open the authorize URL, land on the callback with a code."""
        verifier, state, nonce = (secrets.token_urlsafe(48) for _ in range(3))
        redirect_uri = REDIRECT_URI.format(provider=provider)
        url = (gateway or self.gateway).authorize_url(
            AuthorizationRequest(provider, state, s256(verifier), nonce, redirect_uri)
        )
        callback = await _follow_consent(url)
        assert callback["state"] == state
        return Consent(provider, callback["code"], verifier, nonce, redirect_uri)

    async def identity(self, consent: Consent, **changes: str) -> ProviderIdentity:
        fields: dict[str, Any] = {**consent.__dict__, **changes}
        return await self.gateway.identity(**fields)

    async def sign_in(self, provider: Provider) -> ProviderIdentity:
        return await self.identity(await self.consent(provider))


async def _follow_consent(url: str) -> dict[str, str]:
    async with httpx.AsyncClient() as browser:
        response = await browser.get(url)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def _settings(fake: FakeOAuthProvider, *providers: Provider) -> Settings:
    environment = {"SCRIPTHUB_JWT_SECRET": "c" * 32, **fake.environment(*providers)}
    return load_settings(environment, env_file=None)


@pytest.fixture
async def make_world(
    fake_oauth_provider: FakeOAuthProvider,
) -> AsyncIterator[Callable[..., World]]:
    """Worlds whose gateway has the given call deadline (seconds)."""
    gateways: list[HttpOAuthGateway] = []

    def make(deadline: float = 5.0) -> World:
        failures: list[tuple[Provider, str]] = []
        clock = Clock()
        gateway = HttpOAuthGateway(
            provider_registrations(_settings(fake_oauth_provider)),
            on_failure=lambda provider, stage: failures.append((provider, stage)),
            call_deadline=deadline,
            clock=clock,
        )
        gateways.append(gateway)
        return World(fake_oauth_provider, gateway, failures, clock)

    yield make
    for gateway in gateways:
        await gateway.aclose()


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()


PERSON = FakePerson(
    user_id="90210", email="ada@example.test", login="ada", name="Ada L", avatar="f00d"
)
EXPECTED = {
    Provider.DISCORD: ProviderIdentity(
        Provider.DISCORD,
        "90210",
        "ada@example.test",
        email_verified=True,
        login="ada",
        name="Ada L",
        avatar_url="https://cdn.discordapp.com/avatars/90210/f00d.png",
    ),
    Provider.GOOGLE: ProviderIdentity(
        Provider.GOOGLE,
        "90210",
        "ada@example.test",
        email_verified=True,
        login=None,
        name="Ada L",
        avatar_url="https://avatars.example.test/f00d",
    ),
    Provider.GITHUB: ProviderIdentity(
        Provider.GITHUB,
        "90210",
        "ada@example.test",
        email_verified=True,
        login="ada",
        name="Ada L",
        avatar_url="https://avatars.example.test/f00d",
    ),
}


# The authorize URL


@pytest.mark.parametrize("provider", OAUTH_PROVIDERS)
def test_the_authorize_url_asks_for_a_code_with_pkce_s256(world: World, provider: Provider) -> None:
    request = AuthorizationRequest(
        provider, "the-state", "the-challenge", "the-nonce", "http://x/cb"
    )

    url = urlsplit(world.gateway.authorize_url(request))

    assert f"{url.scheme}://{url.netloc}{url.path}" == world.fake.url(provider, "authorize")
    expected = {
        "client_id": [world.fake.client_id(provider)],
        "redirect_uri": ["http://x/cb"],
        "response_type": ["code"],
        "scope": [SCOPES[provider]],
        "state": ["the-state"],
        "code_challenge": ["the-challenge"],
        "code_challenge_method": ["S256"],
    }
    if provider is Provider.GOOGLE:
        expected["nonce"] = ["the-nonce"]
    assert parse_qs(url.query) == expected


def test_only_providers_with_credentials_are_configured(
    fake_oauth_provider: FakeOAuthProvider,
) -> None:
    def configured(*providers: Provider) -> frozenset[Provider]:
        return oauth_gateway_for(_settings(fake_oauth_provider, *providers)).configured()

    assert configured() == set(OAUTH_PROVIDERS)
    assert configured(Provider.GITHUB) == {Provider.GITHUB}
    nothing = load_settings({"SCRIPTHUB_JWT_SECRET": "c" * 32}, env_file=None)
    assert oauth_gateway_for(nothing).configured() == frozenset()


async def test_a_provider_without_credentials_is_an_oauth_error(
    fake_oauth_provider: FakeOAuthProvider,
) -> None:
    gateway = oauth_gateway_for(_settings(fake_oauth_provider, Provider.GITHUB))
    request = AuthorizationRequest(Provider.GOOGLE, "s", "c", "n", "http://x/cb")

    with pytest.raises(OAuthError):
        gateway.authorize_url(request)
    with pytest.raises(OAuthError):
        await gateway.identity(Provider.GOOGLE, "code", "verifier", "nonce", "http://x/cb")
    await gateway.aclose()


# Who signed in


@pytest.mark.parametrize("provider", OAUTH_PROVIDERS)
async def test_a_consent_gives_the_persons_identity(world: World, provider: Provider) -> None:
    world.fake.sign_in_as(PERSON)

    assert await world.sign_in(provider) == EXPECTED[provider]
    assert world.failures == []


@pytest.mark.parametrize("provider", OAUTH_PROVIDERS)
async def test_the_fake_redirects_a_refusal_with_access_denied(
    world: World, provider: Provider
) -> None:
    world.fake.decline()
    request = AuthorizationRequest(provider, "st", s256("v" * 43), "n", "http://x/cb")

    callback = await _follow_consent(world.gateway.authorize_url(request))

    assert callback == {"error": "access_denied", "state": "st"}


UNVERIFIED = FakePerson(email="unsure@example.test", email_verified=False)
NO_EMAIL = FakePerson(email=None, email_verified=False)


@pytest.mark.parametrize(
    ("provider", "person", "email", "verified"),
    [
        # Discord's address is used only when Discord verified it.
        (Provider.DISCORD, UNVERIFIED, None, False),
        (Provider.DISCORD, NO_EMAIL, None, False),
        # Google's is given as Google says; the use cases never let it take over an account.
        (Provider.GOOGLE, UNVERIFIED, "unsure@example.test", False),
        (Provider.GOOGLE, NO_EMAIL, None, False),
        # GitHub's is the primary one if verified: not the public profile address, not the
        # verified non-primary one.
        (Provider.GITHUB, UNVERIFIED, None, False),
        (Provider.GITHUB, NO_EMAIL, None, False),
    ],
)
async def test_unverified_and_missing_emails(
    world: World, provider: Provider, person: FakePerson, email: str | None, verified: bool
) -> None:
    world.fake.sign_in_as(person)

    identity = await world.sign_in(provider)

    assert (identity.email, identity.email_verified) == (email, verified)
    assert identity.provider_user_id == person.user_id


# What the provider enforces reaches us as OAuthError


@pytest.mark.parametrize("provider", OAUTH_PROVIDERS)
async def test_a_wrong_pkce_verifier_is_refused(world: World, provider: Provider) -> None:
    consent = await world.consent(provider)

    with pytest.raises(OAuthError) as raised:
        await world.identity(consent, code_verifier=secrets.token_urlsafe(48))

    assert type(raised.value) is OAuthError
    assert world.failures == [(provider, "token")]


@pytest.mark.parametrize("provider", OAUTH_PROVIDERS)
async def test_a_code_works_once(world: World, provider: Provider) -> None:
    consent = await world.consent(provider)
    await world.identity(consent)

    with pytest.raises(OAuthError):
        await world.identity(consent)


@pytest.mark.parametrize("provider", OAUTH_PROVIDERS)
async def test_the_code_needs_the_redirect_uri_it_was_issued_for(
    world: World, provider: Provider
) -> None:
    consent = await world.consent(provider)

    with pytest.raises(OAuthError):
        await world.identity(consent, redirect_uri="http://127.0.0.1:9/elsewhere")


async def test_a_wrong_client_secret_is_refused(
    make_world: Callable[..., World], fake_oauth_provider: FakeOAuthProvider
) -> None:
    world = make_world()
    environment = {
        "SCRIPTHUB_JWT_SECRET": "c" * 32,
        **fake_oauth_provider.environment(Provider.DISCORD),
        "SCRIPTHUB_OAUTH_DISCORD_CLIENT_SECRET": "not-the-secret",
    }
    gateway = oauth_gateway_for(load_settings(environment, env_file=None))
    consent = await world.consent(Provider.DISCORD, gateway)

    with pytest.raises(OAuthError, match="invalid_client"):
        await gateway.identity(**consent.__dict__)
    await gateway.aclose()


# Providers that fail


CALLS: list[tuple[Provider, Endpoint]] = [
    (Provider.DISCORD, "token"),
    (Provider.DISCORD, "user"),
    (Provider.GOOGLE, "token"),
    (Provider.GOOGLE, "jwks"),
    (Provider.GITHUB, "token"),
    (Provider.GITHUB, "user"),
    (Provider.GITHUB, "emails"),
]


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.GARBAGE, Fault.SLOW])
@pytest.mark.parametrize(("provider", "endpoint"), CALLS)
async def test_a_failing_provider_call_is_an_oauth_error_logged_and_reported(
    make_world: Callable[..., World],
    provider: Provider,
    endpoint: Endpoint,
    fault: Fault,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = make_world(deadline=SLOW_DEADLINE if fault is Fault.SLOW else 5.0)
    consent = await world.consent(provider)
    world.fake.fail(provider, endpoint, fault)

    with pytest.raises(OAuthError) as raised:
        await world.identity(consent)

    assert type(raised.value) is OAuthError
    assert raised.value.detail.startswith(f"{provider} {endpoint} ")
    assert world.failures == [(provider, endpoint)]
    [record] = [r for r in caplog.records if r.name == "scripthub.oauth"]
    assert record.levelname == "WARNING"
    assert consent.code not in record.getMessage()
    assert world.fake.client_secret(provider) not in record.getMessage()


async def test_a_provider_that_is_down_is_an_oauth_error(
    make_world: Callable[..., World], fake_oauth_provider: FakeOAuthProvider
) -> None:
    world = make_world()
    consent = await world.consent(Provider.GITHUB)
    closed = _closed_port_url()
    environment = {
        "SCRIPTHUB_JWT_SECRET": "c" * 32,
        **fake_oauth_provider.environment(Provider.GITHUB),
        "SCRIPTHUB_OAUTH_GITHUB_TOKEN_URL": closed,
    }
    failures: list[tuple[Provider, str]] = []
    gateway = HttpOAuthGateway(
        provider_registrations(load_settings(environment, env_file=None)),
        on_failure=lambda provider, stage: failures.append((provider, stage)),
    )

    with pytest.raises(OAuthError, match="request failed"):
        await gateway.identity(**consent.__dict__)
    assert failures == [(Provider.GITHUB, "token")]
    await gateway.aclose()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/token"


async def test_failures_are_counted_per_provider_and_stage(
    fake_oauth_provider: FakeOAuthProvider,
) -> None:
    labels = {"provider": "github", "stage": "emails"}

    def count() -> float:
        return REGISTRY.get_sample_value("scripthub_oauth_provider_errors_total", labels) or 0.0

    gateway = oauth_gateway_for(_settings(fake_oauth_provider))
    world = World(fake_oauth_provider, gateway, [], Clock())
    consent = await world.consent(Provider.GITHUB)
    fake_oauth_provider.fail(Provider.GITHUB, "emails", Fault.SERVER_ERROR)
    before = count()

    with pytest.raises(OAuthError):
        await world.identity(consent)

    assert count() == before + 1
    await gateway.aclose()


# Google's id_token


@pytest.mark.parametrize("defect", list(IdTokenDefect))
async def test_an_id_token_that_does_not_verify_is_an_oauth_error(
    world: World, defect: IdTokenDefect
) -> None:
    world.fake.defect_id_tokens(defect)

    with pytest.raises(OAuthError) as raised:
        await world.sign_in(Provider.GOOGLE)

    assert type(raised.value) is OAuthError
    assert world.failures == [(Provider.GOOGLE, "id_token")]


async def test_the_jwks_is_fetched_once_and_cached(world: World) -> None:
    for _ in range(3):
        await world.sign_in(Provider.GOOGLE)

    assert world.fake.hits(Provider.GOOGLE, "jwks") == 1


async def test_a_new_key_in_the_jwks_is_fetched_when_a_token_names_it(world: World) -> None:
    await world.sign_in(Provider.GOOGLE)
    world.fake.rotate_google_key(publish=True)

    identity = await world.sign_in(Provider.GOOGLE)
    await world.sign_in(Provider.GOOGLE)

    assert identity.provider_user_id == FakePerson().user_id
    assert world.fake.hits(Provider.GOOGLE, "jwks") == 2


async def test_a_key_the_jwks_has_not_yet_fails_until_it_is_published(world: World) -> None:
    await world.sign_in(Provider.GOOGLE)
    world.fake.rotate_google_key(publish=False)

    with pytest.raises(OAuthError, match="not in the JWKS"):
        await world.sign_in(Provider.GOOGLE)
    assert world.fake.hits(Provider.GOOGLE, "jwks") == 2  # refreshed once for the unknown kid

    world.fake.publish_google_key()
    assert (await world.sign_in(Provider.GOOGLE)).provider is Provider.GOOGLE


async def test_the_jwks_is_fetched_again_once_it_is_old(world: World) -> None:
    await world.sign_in(Provider.GOOGLE)
    world.clock.now += JWKS_MAX_AGE + 1

    await world.sign_in(Provider.GOOGLE)

    assert world.fake.hits(Provider.GOOGLE, "jwks") == 2
