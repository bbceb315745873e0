"""SCRIPTHUB_* parsing: defaults, every bad value named, production's refusals."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from scripthub.entrypoints.settings import RateLimit, SettingsError, load_settings

SECRET = "s" * 32


def test_defaults_are_the_embedded_wiring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)

    settings = load_settings({}, env_file=None)

    assert settings.env == "development"
    assert settings.database_url == "sqlite+aiosqlite:///./var/scripthub.db"
    assert settings.session_store == "memory"
    assert settings.cache_backend == "memory"
    assert settings.rate_limit_auth == RateLimit(5, 900)
    assert settings.rate_limit_api == RateLimit(100, 900)
    assert settings.cors_origins == ("http://localhost:3000",)
    assert settings.oauth == {}
    assert settings.public_url == "http://127.0.0.1:8000"
    generated = (tmp_path / "var" / "jwt-secret").read_text()
    assert settings.jwt_secret == generated
    assert len(generated) >= 32
    assert load_settings({}, env_file=None).jwt_secret == generated


def test_values_are_parsed() -> None:
    settings = load_settings(
        {
            "SCRIPTHUB_JWT_SECRET": SECRET,
            "SCRIPTHUB_DATABASE_URL": "postgresql://u@db:5432/x",
            "SCRIPTHUB_REDIS_URL": "redis://cache:6379/0",
            "SCRIPTHUB_RATE_LIMIT_AUTH": "10/60",
            "SCRIPTHUB_TRUSTED_PROXIES": "10.0.0.0/8, ::1/128",
            "SCRIPTHUB_FRONTEND_URL": "https://scripthub.id/",
            "SCRIPTHUB_PUBLIC_URL": "https://api.scripthub.id:8443/",
            "SCRIPTHUB_OAUTH_GITHUB_CLIENT_ID": "id",
            "SCRIPTHUB_OAUTH_GITHUB_CLIENT_SECRET": "secret",
            "SCRIPTHUB_LOG_LEVEL": "debug",
            "SCRIPTHUB_DATABASE_POOL_SIZE": "15",
            "SCRIPTHUB_DATABASE_MAX_OVERFLOW": "0",
        },
        env_file=None,
    )

    assert settings.database_url == "postgresql+asyncpg://u@db:5432/x"
    assert (settings.database_pool_size, settings.database_max_overflow) == (15, 0)
    assert settings.session_store == "redis"
    assert settings.cache_backend == "redis"
    assert settings.rate_limit_auth == RateLimit(10, 60)
    assert settings.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    assert settings.frontend_url == "https://scripthub.id"
    assert settings.public_url == "https://api.scripthub.id:8443"
    assert settings.cors_origins == ("https://scripthub.id",)
    assert settings.oauth["github"].token_url == "https://github.com/login/oauth/access_token"
    assert settings.log_level == "DEBUG"


def test_every_bad_variable_is_named_in_one_error() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "SCRIPTHUB_JWT_SECRET": "short",
                "SCRIPTHUB_ACCESS_TOKEN_TTL": "soon",
                "SCRIPTHUB_BCRYPT_ROUNDS": "20",
                "SCRIPTHUB_RATE_LIMIT_API": "lots",
                "SCRIPTHUB_DATABASE_URL": "mysql://x",
                "SCRIPTHUB_TRUSTED_PROXIES": "not-a-cidr",
                "SCRIPTHUB_OAUTH_GOOGLE_CLIENT_ID": "only-the-id",
                "SCRIPTHUB_DATABASE_POOL_SIZE": "0",
                "SCRIPTHUB_DATABASE_MAX_OVERFLOW": "-1",
            },
            env_file=None,
        )

    message = str(caught.value)
    for name in (
        "SCRIPTHUB_JWT_SECRET",
        "SCRIPTHUB_ACCESS_TOKEN_TTL",
        "SCRIPTHUB_BCRYPT_ROUNDS",
        "SCRIPTHUB_RATE_LIMIT_API",
        "SCRIPTHUB_DATABASE_URL",
        "SCRIPTHUB_TRUSTED_PROXIES",
        "SCRIPTHUB_OAUTH_GOOGLE_CLIENT_SECRET",
        "SCRIPTHUB_DATABASE_POOL_SIZE",
        "SCRIPTHUB_DATABASE_MAX_OVERFLOW",
    ):
        assert name in message


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.scripthub.id",
        "api.scripthub.id",
        "https://api.scripthub.id/api",
        "https://api.scripthub.id/?x=1",
        "https://api.scripthub.id#top",
        "https://user:pw@api.scripthub.id",
        "https://api.scripthub.id:99999",
    ],
)
def test_the_public_url_is_an_http_origin(url: str) -> None:
    with pytest.raises(SettingsError, match="SCRIPTHUB_PUBLIC_URL"):
        load_settings({"SCRIPTHUB_JWT_SECRET": SECRET, "SCRIPTHUB_PUBLIC_URL": url}, env_file=None)


def test_production_refuses_unsafe_defaults() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"SCRIPTHUB_ENV": "production", "SCRIPTHUB_CORS_ORIGINS": "*"}, env_file=None)

    message = str(caught.value)
    assert "SCRIPTHUB_JWT_SECRET" in message
    assert "SCRIPTHUB_CORS_ORIGINS" in message
    assert "SCRIPTHUB_SMTP_URL" in message


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"SCRIPTHUB_JWT_SECRET={SECRET}\nSCRIPTHUB_ACCESS_TOKEN_TTL=60\n")

    settings = load_settings({"SCRIPTHUB_ACCESS_TOKEN_TTL": "120"}, env_file=env_file)

    assert settings.jwt_secret == SECRET
    assert settings.access_token_ttl == 120
