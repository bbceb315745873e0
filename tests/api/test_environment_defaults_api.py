"""What the environment changes at the HTTP edge: local CORS origins in development, and the
operator told once when a proxy forwards to a server that trusts no proxy."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from tests.api.client import Api
from tests.production import PRODUCTION_ON_EMBEDDED

LOCAL_DEV_SERVERS = ["http://localhost:5173", "http://127.0.0.1:3000"]


async def preflight(api: Api, origin: str) -> str | None:
    response = await api.client.options(
        "/api/auth/login",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    return response.headers.get("access-control-allow-origin")


@pytest.mark.parametrize("origin", LOCAL_DEV_SERVERS)
async def test_development_accepts_any_local_frontend(
    make_api: Callable[..., Api], origin: str
) -> None:
    api = await make_api(SCRIPTHUB_ENV="development")  # type: ignore[misc]

    assert await preflight(api, origin) == origin
    assert await preflight(api, "http://localhost.evil.example:5173") is None


@pytest.mark.parametrize("origin", LOCAL_DEV_SERVERS)
async def test_production_accepts_only_its_frontend(
    make_api: Callable[..., Api], origin: str
) -> None:
    api = await make_api(**PRODUCTION_ON_EMBEDDED)  # type: ignore[misc]

    assert await preflight(api, origin) is None
    assert await preflight(api, "https://scripthub.id") == "https://scripthub.id"


@pytest.mark.parametrize(("origins", "credentials"), [("https://a.example", "true"), ("*", None)])
async def test_credentials_go_only_to_listed_origins(
    make_api: Callable[..., Api], origins: str, credentials: str | None
) -> None:
    """The OAuth exchange needs its cookie; with `*`, any site could send a visitor's."""
    api = await make_api(SCRIPTHUB_CORS_ORIGINS=origins)  # type: ignore[misc]
    response = await api.client.options(
        "/api/auth/oauth/exchange",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.headers.get("access-control-allow-credentials") == credentials


def forwarding_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "X-Forwarded-For" in r.getMessage()]


async def test_forwarded_requests_without_trusted_proxies_are_reported_once(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="scripthub"):
        await api.get("/health/live")
        for client in ("203.0.113.7", "203.0.113.8", "203.0.113.9"):
            await api.client.get("/health/live", headers={"X-Forwarded-For": client})

    [warning] = forwarding_warnings(caplog)
    assert "SCRIPTHUB_TRUSTED_PROXIES" in warning


async def test_forwarded_requests_from_trusted_proxies_are_not_reported(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    api = await make_api(SCRIPTHUB_TRUSTED_PROXIES="10.0.0.0/8")  # type: ignore[misc]

    with caplog.at_level(logging.WARNING, logger="scripthub"):
        await api.client.get("/health/live", headers={"X-Forwarded-For": "203.0.113.7"})

    assert forwarding_warnings(caplog) == []
