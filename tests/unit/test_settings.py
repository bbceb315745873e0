"""SCRIPTHUB_* parsing: defaults, every bad value named, production's refusals."""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from scripthub.entrypoints.banner import start_up_banner
from scripthub.entrypoints.settings import RateLimit, SettingsError, load_settings

SECRET = "s" * 32


def test_defaults_are_the_embedded_wiring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)

    settings = load_settings({}, env_file=None)

    assert settings.env == "development"
    assert settings.database_url == "sqlite+aiosqlite:///./var/scripthub.db"
    assert settings.session_store == "sql"
    assert settings.cache_backend == "memory"
    assert settings.rate_limit_auth == RateLimit(1_000, 900)
    assert settings.rate_limit_api == RateLimit(100_000, 900)
    assert settings.cors_origins == ("http://localhost:3000",)
    assert settings.oauth == {}
    assert settings.public_url == "http://127.0.0.1:8000"
    generated = (tmp_path / "var" / "jwt-secret").read_text()
    assert settings.jwt_secret == generated
    assert settings.jwt_secret_file == str(tmp_path / "var" / "jwt-secret")
    assert len(generated) >= 32
    assert load_settings({}, env_file=None).jwt_secret == generated


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("127.0.0.1", "http://127.0.0.1:9000"),
        ("localhost", "http://localhost:9000"),
        ("0.0.0.0", "http://127.0.0.1:9000"),  # noqa: S104 - a wildcard is what is tested
        ("::", "http://[::1]:9000"),
        ("::1", "http://[::1]:9000"),
    ],
)
def test_an_unset_public_url_follows_the_server(host: str, origin: str) -> None:
    settings = load_settings({"SCRIPTHUB_JWT_SECRET": SECRET}, env_file=None)

    assert settings.served_at(host, 9000).public_url == origin


def test_a_set_public_url_stays_wherever_the_server_listens() -> None:
    settings = load_settings(
        {"SCRIPTHUB_JWT_SECRET": SECRET, "SCRIPTHUB_PUBLIC_URL": "https://api.example.com"},
        env_file=None,
    )

    assert settings.served_at("0.0.0.0", 9000).public_url == "https://api.example.com"  # noqa: S104


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


PRODUCTION = {
    "SCRIPTHUB_ENV": "production",
    "SCRIPTHUB_JWT_SECRET": SECRET,
    "SCRIPTHUB_SMTP_URL": "smtps://user:pass@mail.scripthub.id",
    "SCRIPTHUB_DATABASE_URL": "postgresql+asyncpg://scripthub@db:5432/scripthub",
    "SCRIPTHUB_REDIS_URL": "redis://cache:6379/0",
    "SCRIPTHUB_FRONTEND_URL": "https://scripthub.id",
    "SCRIPTHUB_PUBLIC_URL": "https://api.scripthub.id",
    "SCRIPTHUB_MAIL_FROM": "ScriptHub <no-reply@scripthub.id>",
}


def test_production_refuses_unsafe_defaults() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"SCRIPTHUB_ENV": "production", "SCRIPTHUB_CORS_ORIGINS": "*"}, env_file=None)

    message = str(caught.value)
    for name in (
        "SCRIPTHUB_JWT_SECRET",
        "SCRIPTHUB_CORS_ORIGINS",
        "SCRIPTHUB_SMTP_URL",
        "SCRIPTHUB_DATABASE_URL",
        "SCRIPTHUB_REDIS_URL",
        "SCRIPTHUB_FRONTEND_URL",
        "SCRIPTHUB_PUBLIC_URL",
        "SCRIPTHUB_MAIL_FROM",
    ):
        assert name in message


def test_a_complete_production_configuration_is_accepted() -> None:
    settings = load_settings(PRODUCTION, env_file=None)

    assert settings.session_store == "redis"
    assert settings.mail_from == "ScriptHub <no-reply@scripthub.id>"
    assert settings.jwt_secret_file is None


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        ({"SCRIPTHUB_DATABASE_URL": None}, "SCRIPTHUB_DATABASE_URL must be a PostgreSQL URL"),
        (
            {"SCRIPTHUB_DATABASE_URL": "sqlite+aiosqlite:///./var/x.db"},
            "SCRIPTHUB_DATABASE_URL must be a PostgreSQL URL",
        ),
        ({"SCRIPTHUB_REDIS_URL": None}, "SCRIPTHUB_REDIS_URL must be set in production"),
        (
            {"SCRIPTHUB_REDIS_URL": None, "SCRIPTHUB_SESSION_STORE": "sql"},
            "SCRIPTHUB_REDIS_URL must be set in production",
        ),
        ({"SCRIPTHUB_SESSION_STORE": "memory"}, "SCRIPTHUB_SESSION_STORE must not be memory"),
    ],
)
def test_production_refuses_embedded_parts_unless_allowed(
    change: dict[str, str | None], refused: str
) -> None:
    environment = {**PRODUCTION, **change}
    environment = {name: value for name, value in environment.items() if value is not None}

    with pytest.raises(SettingsError) as caught:
        load_settings(environment, env_file=None)
    allowed = load_settings(
        {**environment, "SCRIPTHUB_ALLOW_EMBEDDED_IN_PRODUCTION": "1"}, env_file=None
    )

    assert refused in str(caught.value)
    assert "SCRIPTHUB_ALLOW_EMBEDDED_IN_PRODUCTION=1" in str(caught.value)
    assert allowed.allow_embedded_in_production


@pytest.mark.parametrize("name", ["FRONTEND_URL", "PUBLIC_URL", "MAIL_FROM"])
def test_production_requires_its_addresses_even_when_embedded_is_allowed(name: str) -> None:
    environment = {**PRODUCTION, "SCRIPTHUB_ALLOW_EMBEDDED_IN_PRODUCTION": "yes"}
    del environment[f"SCRIPTHUB_{name}"]

    with pytest.raises(SettingsError, match=f"SCRIPTHUB_{name} must be set in production"):
        load_settings(environment, env_file=None)


def test_the_allow_switch_is_a_yes_or_no() -> None:
    with pytest.raises(SettingsError, match="SCRIPTHUB_ALLOW_EMBEDDED_IN_PRODUCTION"):
        load_settings(
            {**PRODUCTION, "SCRIPTHUB_ALLOW_EMBEDDED_IN_PRODUCTION": "sure"}, env_file=None
        )


def test_source_fetches_reach_loopback_only_outside_production() -> None:
    development = load_settings({"SCRIPTHUB_JWT_SECRET": SECRET}, env_file=None)
    testing = load_settings(
        {
            "SCRIPTHUB_ENV": "test",
            "SCRIPTHUB_JWT_SECRET": SECRET,
            "SCRIPTHUB_FETCH_ALLOW_LOOPBACK": "1",
        },
        env_file=None,
    )
    production = load_settings(PRODUCTION, env_file=None)

    with pytest.raises(SettingsError) as caught:
        load_settings({**PRODUCTION, "SCRIPTHUB_FETCH_ALLOW_LOOPBACK": "yes"}, env_file=None)

    assert not development.fetch_allow_loopback
    assert testing.fetch_allow_loopback
    assert "SCRIPTHUB_FETCH_ALLOW_LOOPBACK must be off in production" in str(caught.value)
    assert (development.fetch_allows_http, testing.fetch_allows_http) == (True, True)
    assert not production.fetch_allows_http
    assert not production.fetch_allow_loopback


def test_a_misspelled_variable_is_named_with_the_closest_real_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="scripthub"):
        load_settings(
            {
                "SCRIPTHUB_JWT_SECRET": SECRET,
                "SCRIPTHUB_REDIS_ULR": "redis://cache:6379/0",
                "SCRIPTHUB_OAUTH_GITHUB_CLIENT_ID": "id",
                "SCRIPTHUB_OAUTH_GITHUB_CLIENT_SECRET": "secret",
                "SCRIPTHUB_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1/postgres",
                "SCRIPTHUB_REQUIRE_SERVICES": "1",
            },
            env_file=None,
        )

    assert [record.getMessage() for record in caplog.records] == [
        (
            "SCRIPTHUB_REDIS_ULR is not a ScriptHub setting and is ignored; "
            "did you mean SCRIPTHUB_REDIS_URL?"
        )
    ]
    assert caplog.records[0].levelno == logging.WARNING


@pytest.mark.parametrize(
    ("environment", "auth", "api", "local_origins"),
    [
        ("development", RateLimit(1_000, 900), RateLimit(100_000, 900), True),
        ("test", RateLimit(5, 900), RateLimit(100, 900), False),
        ("production", RateLimit(5, 900), RateLimit(100, 900), False),
    ],
)
def test_defaults_by_environment(
    environment: str, auth: RateLimit, api: RateLimit, *, local_origins: bool
) -> None:
    settings = load_settings({**PRODUCTION, "SCRIPTHUB_ENV": environment}, env_file=None)

    assert (settings.rate_limit_auth, settings.rate_limit_api) == (auth, api)
    assert (settings.cors_origin_pattern is not None) == local_origins


def test_rate_limits_set_in_development_are_kept() -> None:
    settings = load_settings(
        {"SCRIPTHUB_JWT_SECRET": SECRET, "SCRIPTHUB_RATE_LIMIT_AUTH": "5/900"}, env_file=None
    )

    assert settings.rate_limit_auth == RateLimit(5, 900)
    assert settings.rate_limit_api == RateLimit(100_000, 900)


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"SCRIPTHUB_JWT_SECRET={SECRET}\nSCRIPTHUB_ACCESS_TOKEN_TTL=60\n")

    settings = load_settings({"SCRIPTHUB_ACCESS_TOKEN_TTL": "120"}, env_file=env_file)

    assert settings.jwt_secret == SECRET
    assert settings.access_token_ttl == 120


def test_the_start_up_banner_hides_the_database_password() -> None:
    settings = load_settings(
        {**PRODUCTION, "SCRIPTHUB_DATABASE_URL": "postgresql://scripthub:hunter2@db:5432/hub"},
        env_file=None,
    )

    banner = start_up_banner(settings, "0.0.0.0", 8080, reload=False)  # noqa: S104

    assert banner.splitlines()[1:] == [
        "  database:   postgresql+asyncpg://scripthub:***@db:5432/hub",
        "  stores:     sessions redis, rate limits and caches Redis",
        "  docs:       http://127.0.0.1:8080/docs",
        "  JWT secret: from SCRIPTHUB_JWT_SECRET",
    ]
    assert banner.splitlines()[0].endswith(" in production mode")


def test_the_metrics_token_is_read() -> None:
    token = "m3trics-t0ken-for-prometheus"

    settings = load_settings(
        {"SCRIPTHUB_JWT_SECRET": SECRET, "SCRIPTHUB_METRICS_TOKEN": token}, env_file=None
    )

    assert settings.metrics_token == token
    assert load_settings({"SCRIPTHUB_JWT_SECRET": SECRET}, env_file=None).metrics_token is None


@pytest.mark.parametrize("token", ["too-short", "sixteen or more but with spaces", "é" * 16])
def test_the_metrics_token_is_sixteen_visible_ascii_characters_or_more(token: str) -> None:
    with pytest.raises(SettingsError, match="SCRIPTHUB_METRICS_TOKEN"):
        load_settings(
            {"SCRIPTHUB_JWT_SECRET": SECRET, "SCRIPTHUB_METRICS_TOKEN": token}, env_file=None
        )


def test_the_slow_client_limits_default_to_the_documented_values_and_are_read() -> None:
    defaults = load_settings({"SCRIPTHUB_JWT_SECRET": SECRET}, env_file=None)
    chosen = load_settings(
        {
            "SCRIPTHUB_JWT_SECRET": SECRET,
            "SCRIPTHUB_HEADER_TIMEOUT": "2",
            "SCRIPTHUB_BODY_IDLE_TIMEOUT": "5",
            "SCRIPTHUB_MAX_HEADER_BYTES": "8192",
            "SCRIPTHUB_MAX_HEADERS": "50",
        },
        env_file=None,
    )

    limits = ("header_timeout", "body_idle_timeout", "max_header_bytes", "max_headers")
    assert [getattr(defaults, name) for name in limits] == [10, 30, 16384, 100]
    assert [getattr(chosen, name) for name in limits] == [2, 5, 8192, 50]


def test_slow_client_limits_out_of_bounds_are_named() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "SCRIPTHUB_JWT_SECRET": SECRET,
                "SCRIPTHUB_HEADER_TIMEOUT": "0",
                "SCRIPTHUB_BODY_IDLE_TIMEOUT": "soon",
                "SCRIPTHUB_MAX_HEADER_BYTES": "100",
                "SCRIPTHUB_MAX_HEADERS": "5000",
            },
            env_file=None,
        )

    for name in ("HEADER_TIMEOUT", "BODY_IDLE_TIMEOUT", "MAX_HEADER_BYTES", "MAX_HEADERS"):
        assert f"SCRIPTHUB_{name} must be" in str(caught.value)


@pytest.mark.parametrize(
    ("environment", "verified", "days"),
    [("development", False, 0), ("test", False, 0), ("production", True, 7)],
)
def test_publishing_gates_default_by_environment(
    environment: str, *, verified: bool, days: int
) -> None:
    values = PRODUCTION if environment == "production" else {"SCRIPTHUB_JWT_SECRET": SECRET}
    settings = load_settings({**values, "SCRIPTHUB_ENV": environment}, env_file=None)

    policy = settings.publishing_policy
    assert policy.requires_verified_email is verified
    assert policy.new_account_for == timedelta(days=days)
    assert policy.new_account_daily_publishes == 10


def test_publishing_gates_are_set_by_their_variables() -> None:
    settings = load_settings(
        {
            **PRODUCTION,
            "SCRIPTHUB_PUBLISH_REQUIRES_VERIFIED_EMAIL": "no",
            "SCRIPTHUB_NEW_ACCOUNT_DAYS": "0",
            "SCRIPTHUB_NEW_ACCOUNT_DAILY_PUBLISHES": "3",
        },
        env_file=None,
    )
    development = load_settings(
        {"SCRIPTHUB_JWT_SECRET": SECRET, "SCRIPTHUB_PUBLISH_REQUIRES_VERIFIED_EMAIL": "yes"},
        env_file=None,
    )

    assert settings.publishing_policy.requires_verified_email is False
    assert settings.publishing_policy.new_account_for == timedelta(0)
    assert settings.publishing_policy.new_account_daily_publishes == 3
    assert development.publishing_policy.requires_verified_email is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SCRIPTHUB_PUBLISH_REQUIRES_VERIFIED_EMAIL", "maybe"),
        ("SCRIPTHUB_NEW_ACCOUNT_DAYS", "-1"),
        ("SCRIPTHUB_NEW_ACCOUNT_DAYS", "3651"),
        ("SCRIPTHUB_NEW_ACCOUNT_DAILY_PUBLISHES", "0"),
        ("SCRIPTHUB_NEW_ACCOUNT_DAILY_PUBLISHES", "ten"),
    ],
)
def test_bad_publishing_gate_values_are_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({"SCRIPTHUB_JWT_SECRET": SECRET, name: value}, env_file=None)
