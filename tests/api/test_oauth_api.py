"""Signing in with Discord, Google and GitHub through a real `scripthub serve`, on both
wirings, against the fake provider (tests/fake_oauth_provider.py): the whole browser dance,
and the attacks API.md "OAuth" says must fail."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from scripthub.domain.providers import Provider
from tests.api.client import ServedApi, assert_problem, bearer
from tests.fake_oauth_provider import FakeOAuthProvider, FakePerson, Fault
from tests.served import Server, serving

FRONTEND = "http://frontend.test"
PROVIDERS = [Provider.DISCORD, Provider.GOOGLE, Provider.GITHUB]


@pytest.fixture(scope="module")
def server_settings(_fake_oauth_server: FakeOAuthProvider) -> dict[str, str]:
    return {**_fake_oauth_server.environment(), "SCRIPTHUB_FRONTEND_URL": FRONTEND}


@pytest.fixture
def provider(fake_oauth_provider: FakeOAuthProvider) -> FakeOAuthProvider:
    return fake_oauth_provider


def a_person(**fields: Any) -> FakePerson:
    number = uuid.uuid4().hex[:10]
    defaults = {"user_id": number, "email": f"p{number}@example.com", "login": f"p{number}"}
    return FakePerson(**{**defaults, **fields})


class Browser:
    """One browser: its own cookies; it follows each redirect by hand, so a test sees every
    hop (the API's start, the provider's consent, the API's callback, the frontend)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def start(self, provider: Provider, **params: str) -> httpx.Response:
        return await self.client.get(f"/api/auth/{provider}", params=params)

    async def consent(self, authorize_url: str) -> str:
        """The provider's answer: the callback URL it sends the browser to."""
        answer = await self.client.get(authorize_url)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def callback(self, callback_url: str) -> dict[str, str]:
        """The API's callback; the frontend URL's query it lands on."""
        parts = urlsplit(callback_url)
        answer = await self.client.get(f"{parts.path}?{parts.query}")
        assert answer.status_code == 302, answer.text
        landing = urlsplit(answer.headers["location"])
        assert f"{landing.scheme}://{landing.netloc}{landing.path}" == f"{FRONTEND}/auth/callback"
        return {name: values[0] for name, values in parse_qs(landing.query).items()}

    async def to_callback(self, provider: Provider, **params: str) -> str:
        """Start, and consent: the callback URL the provider sends the browser to."""
        started = await self.start(provider, **params)
        assert started.status_code == 302, started.text
        return await self.consent(started.headers["location"])

    async def sign_in(self, provider: Provider, **params: str) -> dict[str, str]:
        return await self.callback(await self.to_callback(provider, **params))

    async def exchange(self, code: str) -> httpx.Response:
        return await self.client.post("/api/auth/oauth/exchange", json={"code": code})


@pytest.fixture
async def browser(server: Server) -> AsyncIterator[Browser]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        yield Browser(client)


async def another_browser(server: Server) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.base_url, timeout=30)


async def signed_in(browser: Browser, provider: Provider) -> dict[str, Any]:
    landing = await browser.sign_in(provider)
    assert "code" in landing, landing
    exchanged = await browser.exchange(landing["code"])
    assert exchanged.status_code == 200, exchanged.text
    pair: dict[str, Any] = exchanged.json()
    return pair


@pytest.mark.parametrize("chosen", PROVIDERS)
async def test_a_new_person_signs_in_and_comes_back_to_the_same_account(
    browser: Browser, provider: FakeOAuthProvider, chosen: Provider
) -> None:
    person = a_person(name="Ada Lovelace")
    provider.sign_in_as(person)

    started = await browser.start(chosen, redirect_to="/scripts/42?tab=code")
    authorize = urlsplit(started.headers["location"])
    consent = parse_qs(authorize.query)
    landing = await browser.callback(await browser.consent(started.headers["location"]))
    first = await browser.exchange(landing["code"])
    again = await signed_in(browser, chosen)

    assert started.status_code == 302
    assert consent["code_challenge_method"] == ["S256"]
    assert len(consent["code_challenge"][0]) == 43
    set_cookie = started.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    assert f"path=/api/auth/{chosen}/callback" in set_cookie
    assert landing["redirect_to"] == "/scripts/42?tab=code"
    assert "access_token" not in str(landing)
    assert first.status_code == 200, first.text
    user = first.json()["user"]
    assert user["email"] == person.email
    assert user["email_verified"] is True
    assert user["providers"] == [str(chosen)]
    assert user["profile"]["full_name"] == "Ada Lovelace"
    assert again["user"]["id"] == user["id"]
    listed = await browser.client.get(
        "/api/users/me/providers", headers=bearer(first.json()["access_token"])
    )
    assert [item["provider"] for item in listed.json()["items"]] == [str(chosen)]
    assert listed.json()["items"][0]["provider_user_id"] == person.user_id


async def test_a_state_or_code_works_once(browser: Browser, provider: FakeOAuthProvider) -> None:
    provider.sign_in_as(a_person())
    callback_url = await browser.to_callback(Provider.GITHUB)

    landing = await browser.callback(callback_url)
    replayed = await browser.callback(callback_url)
    exchanged = await browser.exchange(landing["code"])
    exchanged_again = await browser.exchange(landing["code"])

    assert "code" in landing
    assert replayed == {"error": "oauth_error"}
    assert exchanged.status_code == 200
    assert_problem(exchanged_again, 400, "oauth_error")
    assert_problem(await browser.exchange("made-up"), 400, "oauth_error")


async def test_a_forged_or_cross_browser_state_is_refused(
    browser: Browser, provider: FakeOAuthProvider, server: Server
) -> None:
    provider.sign_in_as(a_person())
    callback_url = await browser.to_callback(Provider.GITHUB)
    code = parse_qs(urlsplit(callback_url).query)["code"][0]

    forged = await browser.callback(f"/api/auth/github/callback?code={code}&state=forged")
    async with await another_browser(server) as victim:
        cross = await Browser(victim).callback(callback_url)
    # The victim's attempt spent the state: the starting browser cannot use it either.
    after = await browser.callback(callback_url)

    assert forged == {"error": "oauth_error"}
    assert cross == {"error": "oauth_error"}
    assert after == {"error": "oauth_error"}


async def test_a_code_is_exchanged_only_by_the_browser_that_started_its_flow(
    browser: Browser, provider: FakeOAuthProvider, server: Server
) -> None:
    """Login CSRF: an attacker finishes a flow of their own and plants its code in a victim's
    frontend (`/auth/callback?code=...`). The victim's browser, even in the middle of a flow of
    its own, is not signed in to the attacker's account, and the spent code is not retried."""
    provider.sign_in_as(a_person())
    attackers = await browser.sign_in(Provider.GITHUB)
    async with await another_browser(server) as victim_client:
        victim = Browser(victim_client)
        provider.sign_in_as(a_person())
        victims = await victim.sign_in(Provider.GITHUB)
        planted = await victim.exchange(attackers["code"])
        own = await victim.exchange(victims["code"])
    retried = await browser.exchange(attackers["code"])

    assert_problem(planted, 400, "oauth_error")
    assert own.status_code == 200, own.text
    assert_problem(retried, 400, "oauth_error")


async def test_the_callback_hands_the_browser_a_cookie_for_the_exchange_alone(
    browser: Browser, provider: FakeOAuthProvider
) -> None:
    provider.sign_in_as(a_person())
    parts = urlsplit(await browser.to_callback(Provider.DISCORD))
    answer = await browser.client.get(f"{parts.path}?{parts.query}")
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    exchanged = await browser.exchange(code)

    (for_exchange,) = [
        cookie.lower()
        for cookie in answer.headers.get_list("set-cookie")
        if "path=/api/auth/oauth/exchange" in cookie.lower()
    ]
    assert for_exchange.startswith("scripthub_oauth_code_")
    assert "httponly" in for_exchange
    assert "samesite=lax" in for_exchange
    assert "max-age=60" in for_exchange
    assert exchanged.status_code == 200, exchanged.text
    assert "max-age=0" in exchanged.headers["set-cookie"].lower()
    assert not [c for c in browser.client.cookies.jar if c.path == "/api/auth/oauth/exchange"]


async def test_a_frontend_on_another_origin_may_send_the_exchange_with_credentials(
    browser: Browser,
) -> None:
    asked = {"Origin": FRONTEND, "Access-Control-Request-Method": "POST"}
    preflight = await browser.client.options(
        "/api/auth/oauth/exchange",
        headers={**asked, "Access-Control-Request-Headers": "content-type"},
    )
    answer = await browser.client.post(
        "/api/auth/oauth/exchange", json={"code": "x"}, headers={"Origin": FRONTEND}
    )

    for response in (preflight, answer):
        assert response.headers["access-control-allow-origin"] == FRONTEND
        assert response.headers["access-control-allow-credentials"] == "true"


async def test_of_exchanges_sent_at_once_by_two_browsers_only_its_own_may_win(
    browser: Browser, provider: FakeOAuthProvider, server: Server
) -> None:
    async with await another_browser(server) as stranger:
        for _ in range(3):
            provider.sign_in_as(a_person())
            code = (await browser.sign_in(Provider.GOOGLE))["code"]
            senders = [Browser(stranger), browser] * 4  # the stranger's first, in each pair
            answers = await asyncio.gather(*(sender.exchange(code) for sender in senders))

            won = [senders[i] for i, answer in enumerate(answers) if answer.status_code == 200]
            assert won in ([], [browser])
            for answer in answers:
                if answer.status_code != 200:
                    assert_problem(answer, 400, "oauth_error")


async def test_declining_or_a_muddled_answer_is_an_error_for_the_frontend(
    browser: Browser, provider: FakeOAuthProvider
) -> None:
    provider.decline()
    declined = await browser.sign_in(Provider.DISCORD)

    provider.sign_in_as(a_person())
    callback_url = await browser.to_callback(Provider.DISCORD)
    both = await browser.callback(callback_url + "&error=access_denied")

    assert declined == {"error": "access_denied"}
    assert both == {"error": "oauth_error"}


@pytest.mark.parametrize(
    "redirect_to",
    [
        "https://evil.example/",
        "//evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "/%2F%2Fevil.example",
        "/%5cevil.example",
        "relative",
        "/.//evil.example",
        "/..//evil.example",
        "/%09/evil.example",
        "/\uff0f/evil.example",
        "/%2e%2e/%2fevil.example",
    ],
)
async def test_a_redirect_to_off_the_frontend_is_refused_at_the_start(
    browser: Browser, redirect_to: str
) -> None:
    answer = await browser.start(Provider.GITHUB, redirect_to=redirect_to)

    assert_problem(answer, 400, "bad_request")
    assert "set-cookie" not in answer.headers


async def test_unknown_or_unconfigured_providers_do_not_exist(
    browser: Browser, fresh_environment: dict[str, str], tmp_path: Any
) -> None:
    assert_problem(await browser.start("gitlab"), 404, "not_found")  # type: ignore[arg-type]
    environment = {
        k: v for k, v in fresh_environment.items() if not k.startswith("SCRIPTHUB_OAUTH_GOOGLE")
    }
    with serving(tmp_path, **environment) as without_google:
        async with httpx.AsyncClient(base_url=without_google.base_url) as client:
            assert_problem(await client.get("/api/auth/google"), 404, "not_found")
            assert (await client.get("/api/auth/github")).status_code == 302


async def test_an_email_in_use_is_not_taken_over(
    served_api: ServedApi, browser: Browser, provider: FakeOAuthProvider
) -> None:
    person = a_person()
    await served_api.register(email=person.email.upper())  # type: ignore[union-attr]
    provider.sign_in_as(person)

    verified_by_provider = await browser.sign_in(Provider.GITHUB)
    provider.sign_in_as(a_person(email=person.email, email_verified=False))
    unverified = await browser.sign_in(Provider.GOOGLE)

    assert verified_by_provider == {"error": "email_taken"}  # the account did not verify it
    assert unverified == {"error": "email_taken"}


async def test_linking_and_unlinking_providers(
    served_api: ServedApi, browser: Browser, provider: FakeOAuthProvider, server: Server
) -> None:
    pair = await served_api.register()
    token = pair["access_token"]
    person = a_person()
    provider.sign_in_as(person)

    started = await browser.client.post("/api/users/me/providers/github", headers=bearer(token))
    landing = await browser.callback(await browser.consent(started.json()["authorize_url"]))
    providers = await browser.client.get("/api/users/me/providers", headers=bearer(token))
    async with await another_browser(server) as other:
        other_pair = await ServedApi(other, server, {}).register()
        steal = await other.post(
            "/api/users/me/providers/github", headers=bearer(other_pair["access_token"])
        )
        stolen = await Browser(other).callback(
            await Browser(other).consent(steal.json()["authorize_url"])
        )
    via_github = await signed_in(browser, Provider.GITHUB)
    unlinked = await browser.client.delete("/api/users/me/providers/github", headers=bearer(token))
    not_linked = await browser.client.delete(
        "/api/users/me/providers/github", headers=bearer(token)
    )

    admin = await served_api.role_holder("admin")
    audited = await served_api.get(
        "/api/audit-logs", admin["access_token"], params={"actor_id": pair["user"]["id"]}
    )
    actions = [
        (entry["action"], entry["metadata"].get("provider")) for entry in audited.json()["items"]
    ]

    assert started.status_code == 200, started.text
    assert landing == {"linked": "github"}
    assert ("auth.provider_linked", "github") in actions
    assert ("auth.provider_unlinked", "github") in actions
    assert ("auth.login", "github") in actions
    assert [item["provider"] for item in providers.json()["items"]] == ["github"]
    assert stolen == {"error": "provider_already_linked"}
    assert via_github["user"]["id"] == pair["user"]["id"]
    assert unlinked.status_code == 204
    assert_problem(not_linked, 404, "not_found")


async def test_the_last_way_to_sign_in_cannot_be_unlinked(
    browser: Browser, provider: FakeOAuthProvider
) -> None:
    provider.sign_in_as(a_person())
    pair = await signed_in(browser, Provider.DISCORD)

    refused = await browser.client.delete(
        "/api/users/me/providers/discord", headers=bearer(pair["access_token"])
    )

    assert_problem(refused, 409, "last_login_method")
    again = await signed_in(browser, Provider.DISCORD)
    assert again["user"]["id"] == pair["user"]["id"]


async def test_a_suspended_account_is_told_so(
    served_api: ServedApi, browser: Browser, provider: FakeOAuthProvider
) -> None:
    provider.sign_in_as(a_person())
    pair = await signed_in(browser, Provider.GITHUB)
    admin = await served_api.role_holder("admin")
    suspended = await served_api.send(
        "PATCH",
        f"/api/users/{pair['user']['id']}/status",
        admin["access_token"],
        json={"account_status": "suspended"},
    )

    landing = await browser.sign_in(Provider.GITHUB)

    assert suspended.status_code == 200, suspended.text
    assert landing == {"error": "account_suspended"}


async def test_of_two_callbacks_for_one_state_one_wins(
    browser: Browser, provider: FakeOAuthProvider
) -> None:
    provider.sign_in_as(a_person())
    callback_url = await browser.to_callback(Provider.GITHUB)

    landings = await asyncio.gather(browser.callback(callback_url), browser.callback(callback_url))

    assert sorted("code" in landing for landing in landings) == [False, True]
    assert {"error": "oauth_error"} in landings


async def test_a_provider_that_fails_is_an_oauth_error_not_a_500(
    browser: Browser, provider: FakeOAuthProvider
) -> None:
    provider.sign_in_as(a_person())
    provider.fail(Provider.GITHUB, "token", Fault.SERVER_ERROR)
    failed_exchange = await browser.sign_in(Provider.GITHUB)
    provider.heal()
    provider.fail(Provider.DISCORD, "user", Fault.GARBAGE)
    garbage = await browser.sign_in(Provider.DISCORD)

    assert failed_exchange == {"error": "oauth_error"}
    assert garbage == {"error": "oauth_error"}


@pytest.fixture
def second_server(server: Server, wiring: str, tmp_path: Any) -> Iterator[Server]:
    """Another process on the module server's database and stores, and of the same
    deployment: its public URL (the redirect URI's origin) is the module server's."""
    if wiring == "embedded":
        pytest.skip("the embedded wiring keeps flows in its one process")
    deployment = {**server.environment, "SCRIPTHUB_PUBLIC_URL": server.base_url}
    with serving(tmp_path, **deployment) as started:
        yield started


async def test_a_flow_started_on_one_process_ends_on_another(
    browser: Browser, provider: FakeOAuthProvider, second_server: Server
) -> None:
    provider.sign_in_as(a_person())
    callback_url = await browser.to_callback(Provider.GOOGLE)

    async with httpx.AsyncClient(base_url=second_server.base_url, timeout=30) as other_process:
        other_process.cookies = browser.client.cookies  # the same browser, another server
        landing = await Browser(other_process).callback(callback_url)
        exchanged = await Browser(other_process).exchange(landing["code"])

    assert exchanged.status_code == 200, exchanged.text


async def test_the_flow_routes_spend_the_credential_budget(
    fresh_environment: dict[str, str], tmp_path: Any
) -> None:
    limits = {**fresh_environment, "SCRIPTHUB_RATE_LIMIT_AUTH": "3/900"}
    with serving(tmp_path, **limits) as limited:
        async with httpx.AsyncClient(base_url=limited.base_url) as client:
            answers = [await client.get("/api/auth/github") for _ in range(2)]
            answers.append(await client.post("/api/auth/oauth/exchange", json={"code": "x"}))
            over = await client.get("/api/auth/github/callback", params={"state": "s"})

    assert [answer.status_code for answer in answers] == [302, 302, 400]
    assert_problem(over, 429, "rate_limited")
