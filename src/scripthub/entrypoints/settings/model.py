"""The validated configuration: what each SCRIPTHUB_* variable becomes."""

from __future__ import annotations

import hmac
import ipaddress
import os
from datetime import timedelta
from typing import Literal

import msgspec

from scripthub.adapters.oauth.registration import ProviderRegistration
from scripthub.adapters.security.host_slots import default_slot_directory
from scripthub.application.scripts.publishing_gates import PublishingPolicy
from scripthub.domain.version_review import ReviewPolicy

DEFAULT_FRONTEND_URL = "http://localhost:3000"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
PRODUCTION_NEW_ACCOUNT_DAYS = 7
WILDCARD_ADDRESSES = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104
LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"
"""Every origin a frontend dev server on this machine may have, whatever its port."""

Environment = Literal["development", "test", "production"]
SessionStoreKind = Literal["memory", "sql", "redis"]
ReviewPolicyName = Literal["off", "widening", "all"]


class RateLimit(msgspec.Struct, frozen=True):
    requests: int
    window_seconds: int


PRODUCTION_RATE_LIMITS = {
    "rate_limit_auth": RateLimit(5, 900),
    "rate_limit_api": RateLimit(100, 900),
    # Update checks: a person or an office with thousands of installed scripts checks them all
    # at once; a flood on one script is stopped by the per-script budget.
    "rate_limit_update_checks": RateLimit(10_000, 900),
    "rate_limit_update_checks_per_script": RateLimit(120, 900),
}
DEVELOPMENT_RATE_LIMITS = {
    "rate_limit_auth": RateLimit(1_000, 900),
    "rate_limit_api": RateLimit(100_000, 900),
    "rate_limit_update_checks": RateLimit(100_000, 900),
    "rate_limit_update_checks_per_script": RateLimit(10_000, 900),
}
"""A developer's frontend reloads and signs in all day; one person's budget must not run out."""


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
    jwt_secret_file: str | None = None
    """Where the generated development secret is kept; None when SCRIPTHUB_JWT_SECRET is set."""
    access_token_ttl: int = 900
    refresh_token_ttl: int = 2_592_000
    refresh_reuse_grace: int = 10
    bcrypt_rounds: int = 12
    bcrypt_slots: int = msgspec.field(default_factory=lambda: os.cpu_count() or 1)
    """How many bcrypt hashes the server processes of this host run at once, all together."""
    bcrypt_slot_directory: str = msgspec.field(
        default_factory=lambda: str(default_slot_directory())
    )
    """The lock files those processes share to count them (`HostSlots`)."""
    rate_limit_auth: RateLimit = PRODUCTION_RATE_LIMITS["rate_limit_auth"]
    rate_limit_api: RateLimit = PRODUCTION_RATE_LIMITS["rate_limit_api"]
    rate_limit_update_checks: RateLimit = PRODUCTION_RATE_LIMITS["rate_limit_update_checks"]
    """Per client IP: anonymous update checks (`checks_for_update`), instead of the API budget."""
    rate_limit_update_checks_per_script: RateLimit = PRODUCTION_RATE_LIMITS[
        "rate_limit_update_checks_per_script"
    ]
    """Per client IP and script: the same checks, on top of `rate_limit_update_checks`."""
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    cors_origins: tuple[str, ...] = (DEFAULT_FRONTEND_URL,)
    cors_origin_pattern: str | None = None
    """A regular expression of further allowed origins (development: any local port)."""
    frontend_url: str = DEFAULT_FRONTEND_URL
    public_url: str = DEFAULT_PUBLIC_URL
    """The API's own public origin: the update URLs of served scripts point at it."""
    public_url_follows_server: bool = False
    """SCRIPTHUB_PUBLIC_URL is unset (outside production): `scripthub serve` makes the public
    URL the origin it listens on."""
    smtp_url: str = "console"
    mail_from: str = "ScriptHub <no-reply@localhost>"
    mail_dispatch: Literal["in-process", "external"] = "in-process"
    source_sync: Literal["in-process", "external"] = "in-process"
    """Where source syncs run: in each server process, or in `scripthub sources sync`."""
    source_sync_lease: int = 60
    """Seconds a sync is its worker's: a worker killed mid-sync hands it over after this."""
    github_url: str = "https://api.github.com"
    github_raw_url: str = "https://raw.githubusercontent.com"
    oauth: dict[str, OAuthProviderSettings] = msgspec.field(default_factory=dict)
    log_level: str = "INFO"
    allow_embedded_in_production: bool = False
    """Lets production run on SQLite and in-process stores (one process on one host)."""
    metrics_token: str | None = None
    """The bearer token `/metrics` asks for; None leaves it open to anyone who reaches it."""
    header_timeout: int = 10
    """Seconds a client has to send a request's whole head (from its first byte, or from
    connecting)."""
    body_idle_timeout: int = 30
    """Seconds a request's body may go without a byte arriving."""
    max_header_bytes: int = 16 * 1024
    """The largest request head (request line and header fields) accepted."""
    max_headers: int = 100
    """The most header fields a request may have."""
    fetch_allow_loopback: bool = False
    """Source fetches may reach loopback addresses (tests' fake servers); refused in
    production."""
    publish_requires_verified_email: bool | None = None
    """None: on in production, off elsewhere."""
    new_account_days: int | None = None
    """Days an account's publications are counted against the daily quota; None:
    `PRODUCTION_NEW_ACCOUNT_DAYS` in production, 0 (no quota) elsewhere."""
    new_account_daily_publishes: int = 10
    review_policy: ReviewPolicyName = "off"
    """Which new versions wait for a moderator (`domain.version_review.ReviewPolicy`):
    `widening` by default in production."""

    def served_at(self, host: str, port: int) -> Settings:
        """These settings for a server listening on `host`:`port`: the public URL becomes that
        origin when it follows the server (a wildcard address is reached through loopback)."""
        if not self.public_url_follows_server:
            return self
        address = WILDCARD_ADDRESSES.get(host, host)
        if ":" in address:
            address = f"[{address}]"
        return msgspec.structs.replace(
            self, public_url=f"http://{address}:{port}", public_url_follows_server=False
        )

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
    def fetch_allows_http(self) -> bool:
        """Source fetches take plain http URLs outside production (a local test server)."""
        return self.env != "production"

    @property
    def publishing_policy(self) -> PublishingPolicy:
        production = self.env == "production"
        verified = self.publish_requires_verified_email
        days = self.new_account_days
        return PublishingPolicy(
            requires_verified_email=production if verified is None else verified,
            new_account_for=timedelta(
                days=(PRODUCTION_NEW_ACCOUNT_DAYS if production else 0) if days is None else days
            ),
            new_account_daily_publishes=self.new_account_daily_publishes,
        )

    @property
    def version_review_policy(self) -> ReviewPolicy:
        return ReviewPolicy(self.review_policy)

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

    @property
    def sync_policy_lease(self) -> timedelta:
        return timedelta(seconds=self.source_sync_lease)

    @property
    def webhook_key(self) -> bytes:
        """The key webhook secrets are derived with (`domain.webhooks`): the JWT secret's,
        kept apart from it by purpose."""
        return hmac.digest(self.jwt_secret.encode(), b"scripthub webhook secrets", "sha256")
