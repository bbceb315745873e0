"""Security headers and X-Request-ID on every answer, whoever gives it."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import httpx
import pytest

from tests.api.client import Api, assert_problem
from tests.production import PRODUCTION_ON_EMBEDDED

FRONTEND = {"Origin": "http://localhost:3000"}
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def assert_secured(response: httpx.Response, policy: str = API_POLICY) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert headers.get("content-security-policy") == policy, where
    assert headers.get("cross-origin-opener-policy") == "same-origin", where
    assert headers.get("cross-origin-resource-policy") == "same-origin", where
    assert GENERATED_ID.fullmatch(headers.get("x-request-id", "")), where
    assert "strict-transport-security" not in headers, where  # not in production


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


async def test_every_answer_carries_the_security_headers(api: Api) -> None:
    pair = await api.register()
    token = pair["access_token"]
    answers = {
        200: await api.get("/api/users/me", token),
        201: await api.client.post("/api/auth/refresh", json={"refresh_token": "x" * 40}),
        204: await api.send("OPTIONS", "/api/users/me"),
        400: await api.client.post(
            "/api/auth/login", content=b"{", headers={"Content-Type": "application/json"}
        ),
        401: await api.get("/api/users/me"),
        404: await api.get("/api/users/nobody-here"),
        415: await api.client.post(
            "/api/auth/login", content=b"a=b", headers={"Content-Type": "text/plain"}
        ),
        422: await api.client.post("/api/auth/login", json=["a"]),
    }
    routerless = {
        404: await api.get("/api/nothing-here"),
        405: await api.send("PUT", "/api/auth/login", json={}),
    }
    operations = [
        await api.get("/health/live"),
        await api.get("/health/ready"),
        await api.get("/metrics"),
        await api.get("/schema/openapi.json"),
        await api.get("/docs/assets/swagger-ui-bundle.js"),
        await api.send(
            "OPTIONS",
            "/api/users/me",
            headers={**FRONTEND, "Access-Control-Request-Method": "TRACE"},
        ),
    ]

    assert answers[201].status_code == 401  # an unknown refresh token: a problem too
    del answers[201]
    for status, response in (*answers.items(), *routerless.items()):
        assert response.status_code == status, response.text
        assert_secured(response)
    for response in operations:
        assert response.status_code in {200, 400}, response.text
        assert_secured(response)


async def test_refusals_of_the_rate_limit_carry_them_too(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_API="1/60")  # type: ignore[misc]
    await api.get("/api/users/me")

    routed = await api.get("/api/users/me")
    unrouted = await api.get("/api/nothing-here")

    for refused in (routed, unrouted):
        assert refused.status_code == 429
        assert_secured(refused)


async def test_answers_are_never_stored_unless_their_route_has_its_own_rules(
    api: Api,
) -> None:
    pair = await api.register()
    logged_in = await api.client.post(
        "/api/auth/login", json={"email": pair["user"]["email"], "password": pair["password"]}
    )
    answers = [
        logged_in,
        await api.client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}),
        await api.get("/api/users/me", pair["access_token"]),
        await api.get("/api/auth/sessions", pair["access_token"]),
        await api.get(f"/api/users/{pair['user']['username']}"),
        await api.get("/api/nothing-here"),
        await api.get("/docs"),
    ]
    asset = await api.get("/docs/assets/swagger-ui.css")  # static: revalidated by its ETag

    for response in answers:
        assert response.status_code < 500, response.text
        assert response.headers.get_list("cache-control") == ["no-store"], response.url
    assert asset.status_code == 200
    assert "cache-control" not in asset.headers
    assert asset.headers["etag"]
    assert_secured(asset)


async def test_production_adds_strict_transport_security(make_api: Callable[..., Api]) -> None:
    api = await make_api(**PRODUCTION_ON_EMBEDDED)  # type: ignore[misc]

    for response in (await api.get("/api/users/me"), await api.get("/api/nothing-here")):
        hsts = response.headers.get("strict-transport-security")
        assert hsts == "max-age=63072000; includeSubDomains"


async def test_each_answer_gets_its_own_request_id(api: Api) -> None:
    ids = {(await api.get("/health/live")).headers["x-request-id"] for _ in range(5)}

    assert len(ids) == 5
    assert all(GENERATED_ID.fullmatch(request_id) for request_id in ids)


async def test_a_request_id_from_a_client_is_replaced(api: Api) -> None:
    response = await api.client.get("/health/live", headers={"X-Request-ID": "client-chosen"})

    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])


@pytest.mark.usefixtures("peer_header")
async def test_a_trusted_proxy_names_the_request(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_TRUSTED_PROXIES="10.0.0.0/8")  # type: ignore[misc]
    proxy = {"X-Test-Peer": "10.0.0.2"}
    sane = "edge-7:a1b2.C3_d4"

    echoed = await api.client.get("/api/nothing-here", headers={**proxy, "X-Request-ID": sane})
    longest = await api.client.get("/health/live", headers={**proxy, "X-Request-ID": "a" * 128})
    refused = [
        await api.client.get("/health/live", headers={**proxy, "X-Request-ID": given})
        for given in ("", "a" * 129, "has space", "semi;colon", "caf\u00e9".encode())
    ]

    assert echoed.headers["x-request-id"] == sane
    assert longest.headers["x-request-id"] == "a" * 128
    for response in refused:
        assert GENERATED_ID.fullmatch(response.headers["x-request-id"])


@pytest.mark.usefixtures("peer_header")
async def test_an_untrusted_peer_cannot_name_the_request(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_TRUSTED_PROXIES="10.0.0.0/8")  # type: ignore[misc]
    untrusted = {"X-Test-Peer": "192.0.2.9", "X-Request-ID": "spoofed-id"}

    response = await api.client.get("/health/live", headers=untrusted)

    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])


async def test_the_frontend_may_read_the_request_id(api: Api) -> None:
    response = await api.client.get("/api/users/me", headers=FRONTEND)

    exposed = response.headers["access-control-expose-headers"].lower().split(", ")
    assert "x-request-id" in exposed


class _PageParts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: dict[str, str] = {}  # url: the tag that loads it
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        url = values.get("src") or values.get("href")
        if url:
            self.urls[url] = values.get("rel") or tag
        self._in_inline_script = tag == "script" and not values.get("src")
        if "style" in values or any(name.startswith("on") for name in values):
            self.inline_scripts.append(f"<{tag} {values}>")

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.inline_scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_inline_script = False


async def test_the_docs_page_needs_nothing_its_policy_refuses(api: Api) -> None:
    page = await api.get("/docs")
    parts = _PageParts()
    parts.feed(page.text)
    policy = directives(page.headers["content-security-policy"])
    loaded = {url: await api.get(url) for url in parts.urls}
    own_scripts = [
        response.text
        for url, response in loaded.items()
        if parts.urls[url] == "script" and not url.startswith("/docs/assets/")
    ]
    spec_urls = re.findall(r'url: "([^"]+)"', "".join(own_scripts))

    assert_secured(page, page.headers["content-security-policy"])
    assert parts.inline_scripts == []
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert "'self'" in policy["style-src"]
    assert "'self'" in policy["connect-src"]
    assert {"'self'", "data:"} <= set(policy["img-src"])  # swagger-ui.css draws data: icons
    assert set(parts.urls.values()) == {"stylesheet", "icon", "script"}
    for url, response in loaded.items():
        assert re.match(r"/[^/]", url), url  # this origin: no scheme, no host
        assert response.status_code == 200, url
        assert_secured(response)
    expected_types = {"stylesheet": "text/css", "icon": "image/png", "script": "text/javascript"}
    for url, kind in parts.urls.items():  # nosniff: a wrong type is not run
        assert loaded[url].headers["content-type"].startswith(expected_types[kind]), url
    assert spec_urls == ["/schema/openapi.json"]


async def test_the_front_door_leads_to_the_docs(api: Api) -> None:
    front = await api.get("/", follow_redirects=False)

    assert front.status_code == 302
    assert front.headers["location"] == "/docs"
    assert_secured(front)


async def test_litestar_schema_pages_do_not_exist(api: Api) -> None:
    """They load their scripts from CDNs: `/docs` is the page, and under `/schema` only the
    documents answer."""
    for path in ("/schema", "/schema/", "/schema/swagger", "/schema/redoc", "/schema/elements"):
        page = await api.get(path)

        assert_problem(page, 404, "not_found")
        assert_secured(page)
    for path in ("/schema/openapi.json", "/schema/openapi.yaml", "/schema/openapi.yml"):
        document = await api.get(path)

        assert document.status_code == 200, path
        assert_secured(document)
