"""The validated configuration: what each SCRIPTHUB_* variable becomes."""

from __future__ import annotations

import hmac
import ipaddress
from datetime import timedelta
from typing import Literal

import msgspec

from scripthub.adapters.oauth import ProviderRegistration

DEFAULT_FRONTEND_URL = "http://localhost:3000"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

Environment = Literal["development", "test", "production"]
SessionStoreKind = Literal["memory", "sql", "redis"]


class RateLimit(msgspec.Struct, frozen=True):
    requests: int
    window_seconds: int


OAuthProviderSettings = ProviderRegistration
"""A provider's SCRIPTHUB_OAUTH_{PROVIDER}_* variables: what the OAuth adapter is built from."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Environment = "development"
    database_url: str = "sqlite+aiosqlite:///./var/scripthub.db"
    database_pool_size: int = 20
    database_max_overflow: int = 10
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
    public_url: str = DEFAULT_PUBLIC_URL
    """The API's own public origin: the update URLs of served scripts point at it."""
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
        """Sessions, cached permissions and rate counters all in Redis (under one key prefix)
        are read, and the request counted, in one round trip."""
        both_redis = self.session_store == "redis" and self.cache_backend == "redis"
        return "redis" if both_redis else "sequential"

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(seconds=self.refresh_token_ttl)

    @property
    def reuse_grace(self) -> timedelta:
        return timedelta(seconds=self.refresh_reuse_grace)

    @property
    def refresh_rotation_key(self) -> bytes:
        """The key refresh-token successors are derived with: the JWT secret's, kept apart
        from it by purpose."""
        return hmac.digest(self.jwt_secret.encode(), b"scripthub refresh rotation", "sha256")
