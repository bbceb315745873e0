"""A parse function per variable: the raw string in, the value (or a ValueError) out."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scripthub.entrypoints.settings.model import RateLimit

PREFIX = "SCRIPTHUB_"


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


def http_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return raw.strip().rstrip("/")


def _origin(raw: str) -> str:
    """An http(s) origin, perhaps with a trailing slash: links are built by appending paths."""
    url = http_url(raw)
    parts = urlsplit(url)
    _ = parts.port  # raises ValueError for a port out of range
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an origin (scheme://host[:port]) with no path or query")
    return url


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


def _bearer_secret(raw: str) -> str:
    """A token a client sends as `Authorization: Bearer`: visible ASCII, no spaces."""
    if len(raw) < 16 or not all("!" <= character <= "~" for character in raw):
        raise ValueError("must be at least 16 visible ASCII characters, without spaces")
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
            http_url(origin)
    return origins


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in {"1", "true", "yes", "0", "false", "no"}:
        raise ValueError("must be 1, true or yes (on), or 0, false or no (off)")
    return value in {"1", "true", "yes"}


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


PARSERS: dict[str, Callable[[str], Any]] = {
    "env": _one_of("development", "test", "production"),
    "database_url": _database_url,
    "database_pool_size": _positive_int(high=1000),
    "database_max_overflow": _positive_int(low=0, high=1000),
    "redis_url": _redis_url,
    "redis_key_prefix": str.strip,
    "session_store": _one_of("memory", "sql", "redis"),
    "jwt_secret": _jwt_secret,
    "access_token_ttl": _positive_int(),
    "refresh_token_ttl": _positive_int(),
    "refresh_reuse_grace": _positive_int(low=0, high=3600),
    "bcrypt_rounds": _positive_int(low=4, high=16),
    "bcrypt_slots": _positive_int(high=1024),
    "bcrypt_slot_directory": str.strip,
    "rate_limit_auth": _rate_limit,
    "rate_limit_api": _rate_limit,
    "rate_limit_update_checks": _rate_limit,
    "rate_limit_update_checks_per_script": _rate_limit,
    "trusted_proxies": _networks,
    "cors_origins": _origins,
    "frontend_url": http_url,
    "public_url": _origin,
    "smtp_url": _smtp_url,
    "mail_from": str.strip,
    "mail_dispatch": _one_of("in-process", "external"),
    "source_sync": _one_of("in-process", "external"),
    "source_sync_lease": _positive_int(high=3600),
    "github_url": http_url,
    "github_raw_url": http_url,
    "allow_embedded_in_production": _flag,
    "metrics_token": _bearer_secret,
    "header_timeout": _positive_int(high=3600),
    "body_idle_timeout": _positive_int(high=3600),
    "max_header_bytes": _positive_int(low=1024, high=1024 * 1024),
    "max_headers": _positive_int(low=10, high=1000),
    "fetch_allow_loopback": _flag,
    "publish_requires_verified_email": _flag,
    "new_account_days": _positive_int(low=0, high=3650),
    "new_account_daily_publishes": _positive_int(high=100_000),
    "review_policy": _one_of("off", "widening", "all"),
    "log_level": lambda raw: _one_of("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")(
        raw.strip().upper()
    ),
}
