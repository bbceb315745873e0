"""Every SCRIPTHUB_* variable of API.md, parsed and validated once at start-up."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec
from dotenv import dotenv_values

PREFIX = "SCRIPTHUB_"
DEFAULT_FRONTEND_URL = "http://localhost:3000"
OAUTH_PROVIDERS = ("discord", "google", "github")
OAUTH_DEFAULT_ENDPOINTS: dict[str, dict[str, str]] = {
    "discord": {
        "authorize_url": "https://discord.com/oauth2/authorize",
        "token_url": "https://discord.com/api/oauth2/token",
        "userinfo_url": "https://discord.com/api/users/@me",
    },
    "google": {
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "userinfo_url": "https://openidconnect.googleapis.com/v1/userinfo",
        "jwks_url": "https://www.googleapis.com/oauth2/v3/certs",
        "issuer": "https://accounts.google.com",
    },
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "userinfo_url": "https://api.github.com/user",
        "emails_url": "https://api.github.com/user/emails",
    },
}

Environment = Literal["development", "test", "production"]
SessionStoreKind = Literal["memory", "sql", "redis"]


class SettingsError(Exception):
    """One or more variables are wrong; the message names each of them."""


class RateLimit(msgspec.Struct, frozen=True):
    requests: int
    window_seconds: int


class OAuthProviderSettings(msgspec.Struct, frozen=True):
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    emails_url: str | None = None
    jwks_url: str | None = None
    issuer: str | None = None


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Environment = "development"
    database_url: str = "sqlite+aiosqlite:///./var/scripthub.db"
    redis_url: str | None = None
    redis_key_prefix: str = "scripthub:"
    session_store: SessionStoreKind = "memory"
    jwt_secret: str
    access_token_ttl: int = 900
    refresh_token_ttl: int = 2_592_000
    refresh_reuse_grace: int = 10
    bcrypt_rounds: int = 12
    rate_limit_auth: RateLimit = RateLimit(5, 900)
    rate_limit_api: RateLimit = RateLimit(100, 900)
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    cors_origins: tuple[str, ...] = (DEFAULT_FRONTEND_URL,)
    frontend_url: str = DEFAULT_FRONTEND_URL
    smtp_url: str = "console"
    mail_from: str = "ScriptHub <no-reply@localhost>"
    mail_dispatch: Literal["in-process", "external"] = "in-process"
    oauth: dict[str, OAuthProviderSettings] = msgspec.field(default_factory=dict)
    log_level: str = "INFO"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def cache_backend(self) -> Literal["memory", "redis"]:
        """Where rate-limit counters (and later cached permissions) live."""
        return "redis" if self.redis_url else "memory"

    @property
    def access_state_backend(self) -> Literal["redis", "sequential"]:
        """Sessions and cached permissions both in Redis can be read in one round trip."""
        both_redis = self.session_store == "redis" and self.cache_backend == "redis"
        return "redis" if both_redis else "sequential"

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(seconds=self.refresh_token_ttl)

    @property
    def reuse_grace(self) -> timedelta:
        return timedelta(seconds=self.refresh_reuse_grace)


def _positive_int(low: int = 1, high: int = 10**9) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _rate_limit(raw: str) -> RateLimit:
    requests, sep, window = raw.strip().partition("/")
    if not sep or not requests.isdigit() or not window.isdigit():
        raise ValueError("must look like REQUESTS/SECONDS, e.g. 5/900")
    if int(requests) < 1 or int(window) < 1:
        raise ValueError("both numbers must be at least 1")
    return RateLimit(int(requests), int(window))


def _http_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return raw.strip().rstrip("/")


def _database_url(raw: str) -> str:
    if not raw.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql://")):
        raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
    return raw.replace("postgresql://", "postgresql+asyncpg://", 1)


def _redis_url(raw: str) -> str:
    if urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ValueError("must be a redis://, rediss:// or unix:// URL")
    return raw


def _smtp_url(raw: str) -> str:
    if raw == "console":
        return raw
    parts = urlsplit(raw)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError("must be 'console' or an smtp://user:pass@host:port or smtps:// URL")
    return raw


def _jwt_secret(raw: str) -> str:
    if len(raw.encode()) < 32:
        raise ValueError("must be at least 32 bytes")
    return raw


def _networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(p.strip()) for p in raw.split(",") if p.strip())
    except ValueError as error:
        raise ValueError(f"must be comma-separated CIDRs ({error})") from None


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*":
            _http_url(origin)
    return origins


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "env": _one_of("development", "test", "production"),
    "database_url": _database_url,
    "redis_url": _redis_url,
    "redis_key_prefix": str.strip,
    "session_store": _one_of("memory", "sql", "redis"),
    "jwt_secret": _jwt_secret,
    "access_token_ttl": _positive_int(),
    "refresh_token_ttl": _positive_int(),
    "refresh_reuse_grace": _positive_int(low=0, high=3600),
    "bcrypt_rounds": _positive_int(low=4, high=16),
    "rate_limit_auth": _rate_limit,
    "rate_limit_api": _rate_limit,
    "trusted_proxies": _networks,
    "cors_origins": _origins,
    "frontend_url": _http_url,
    "smtp_url": _smtp_url,
    "mail_from": str.strip,
    "mail_dispatch": _one_of("in-process", "external"),
    "log_level": lambda raw: _one_of("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")(
        raw.strip().upper()
    ),
}


def _oauth(source: Mapping[str, str], errors: list[str]) -> dict[str, OAuthProviderSettings]:
    configured: dict[str, OAuthProviderSettings] = {}
    for provider in OAUTH_PROVIDERS:
        key = f"{PREFIX}OAUTH_{provider.upper()}_"
        values = dict(OAUTH_DEFAULT_ENDPOINTS[provider])
        for name in ("client_id", "client_secret", *values):
            raw = source.get(f"{key}{name.upper()}")
            if raw is None:
                continue
            if name.endswith("_url"):
                try:
                    raw = _http_url(raw)
                except ValueError as error:
                    errors.append(f"{key}{name.upper()} {error}")
            values[name] = raw
        has_id, has_secret = "client_id" in values, "client_secret" in values
        if has_id != has_secret:
            missing = "CLIENT_SECRET" if has_id else "CLIENT_ID"
            errors.append(f"{key}{missing} must be set together with the other credential")
        elif has_id:
            configured[provider] = msgspec.convert(values, OAuthProviderSettings)
    return configured


def _development_secret(var_dir: Path) -> str:
    """Development keeps a generated secret under ./var/ so sessions survive restarts."""
    path = var_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def _derive_defaults(values: dict[str, Any]) -> None:
    if "session_store" not in values:
        values["session_store"] = "redis" if "redis_url" in values else "memory"
    if "cors_origins" not in values and "frontend_url" in values:
        values["cors_origins"] = (values["frontend_url"],)


def _combination_problems(values: dict[str, Any]) -> list[str]:
    """Rules that span variables, and what production refuses to run with."""
    problems = []
    if values["session_store"] == "redis" and "redis_url" not in values:
        problems.append(f"{PREFIX}SESSION_STORE=redis needs {PREFIX}REDIS_URL")
    if values.get("env") == "production":
        if "jwt_secret" not in values:
            problems.append(f"{PREFIX}JWT_SECRET must be set in production")
        if "*" in values.get("cors_origins", ()):
            problems.append(f"{PREFIX}CORS_ORIGINS must not be '*' in production")
        if values.get("smtp_url", "console") == "console":
            problems.append(f"{PREFIX}SMTP_URL must be a real SMTP server in production")
    return problems


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read the environment (over a `.env` file); raise SettingsError naming every bad variable."""
    source: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        source.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    source.update(os.environ if environ is None else environ)

    errors: list[str] = []
    values: dict[str, Any] = {}
    for name, parse in _PARSERS.items():
        raw = source.get(PREFIX + name.upper())
        if raw is None or raw == "":
            continue
        try:
            values[name] = parse(raw)
        except ValueError as error:
            errors.append(f"{PREFIX}{name.upper()} {error}")
    values["oauth"] = _oauth(source, errors)
    _derive_defaults(values)
    errors.extend(_combination_problems(values))
    if errors:
        raise SettingsError("Invalid configuration:\n  " + "\n  ".join(errors))
    if "jwt_secret" not in values:
        values["jwt_secret"] = _development_secret(Path("var"))
    return Settings(**values)
