"""The adapters container: infrastructure, and the adapter each port gets, picked from settings."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from dependency_injector import containers, providers

from scripthub.adapters.access_state import SequentialAccessStateReader
from scripthub.adapters.email_syntax import EmailValidatorSyntax
from scripthub.adapters.fetch.safe_fetcher import HttpxSourceFetcher
from scripthub.adapters.mail import mailer_from_url
from scripthub.adapters.memory import (
    InMemoryAccessTokenCache,
    InMemoryInstallCounter,
    InMemoryLatestCodeStore,
    InMemoryLoginThrottle,
    InMemoryOAuthFlowStore,
    InMemoryPreparedCodeCache,
    InMemoryRateLimiter,
    InMemorySessionStore,
)
from scripthub.adapters.security.bcrypt_hasher import BcryptPasswordHasher
from scripthub.adapters.security.common_passwords import CommonPasswords
from scripthub.adapters.security.host_slots import HostSlots
from scripthub.adapters.security.jwt_tokens import JwtAccessTokens
from scripthub.adapters.sqlalchemy.account_reader import SqlAlchemyAccountReader
from scripthub.adapters.sqlalchemy.engine import SqlAlchemyHealthProbe, create_engine
from scripthub.adapters.sqlalchemy.migrations import SqlAlchemySchemaProbe
from scripthub.adapters.sqlalchemy.outbox_dispatch_store import SqlAlchemyOutboxDispatchStore
from scripthub.adapters.sqlalchemy.session_store import SqlAlchemySessionStore
from scripthub.adapters.sqlalchemy.source_sync_store import SqlAlchemySyncJobStore
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.adapters.system import SystemClock
from scripthub.adapters.uncached_permissions import UncachedPermissionCache
from scripthub.adapters.unmarked_access_tokens import UnmarkedAccessTokens
from scripthub.entrypoints.oauth_gateway import oauth_gateway_for
from scripthub.entrypoints.settings import Settings


def _on_redis(name: str) -> Callable[..., Any]:
    """Builds `module:attribute` of `scripthub.adapters.redis`, imported when first built: a
    wiring without Redis (the embedded one) never loads redis-py (bench/README.md)."""
    module, attribute = name.split(":")

    def build(*args: Any, **kwargs: Any) -> Any:
        adapters = importlib.import_module(f"scripthub.adapters.redis.{module}")
        return getattr(adapters, attribute)(*args, **kwargs)

    return build


class InProcessHealthProbe:
    """In-process stores are always up."""

    async def healthy(self) -> bool:
        return True


class Adapters(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    # Infrastructure, one per process.
    clock = providers.Singleton(SystemClock)
    common_passwords = providers.Singleton(CommonPasswords)
    email_syntax = providers.Singleton(EmailValidatorSyntax)
    bcrypt_slots = providers.Singleton(
        HostSlots,
        directory=settings.provided.bcrypt_slot_directory,
        count=settings.provided.bcrypt_slots,
    )
    hasher = providers.Singleton(
        BcryptPasswordHasher, slots=bcrypt_slots, rounds=settings.provided.bcrypt_rounds
    )
    access_tokens = providers.Singleton(
        JwtAccessTokens,
        secret=settings.provided.jwt_secret,
        ttl_seconds=settings.provided.access_token_ttl,
        clock=clock,
    )
    engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
        pool_size=settings.provided.database_pool_size,
        max_overflow=settings.provided.database_max_overflow,
    )
    redis_client = providers.Singleton(
        _on_redis("client:redis_client_for"), settings.provided.redis_url
    )

    session_store = providers.Selector(
        settings.provided.session_store,
        memory=providers.Singleton(InMemorySessionStore),
        sql=providers.Singleton(SqlAlchemySessionStore, engine),
        redis=providers.Singleton(
            _on_redis("session_store:RedisSessionStore"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    permission_cache = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(UncachedPermissionCache),
        redis=providers.Singleton(
            _on_redis("permission_cache:RedisPermissionCache"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    rate_limiter = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(InMemoryRateLimiter, clock),
        redis=providers.Singleton(
            _on_redis("rate_limiter:RedisRateLimiter"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    login_throttle = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(InMemoryLoginThrottle),
        redis=providers.Singleton(
            _on_redis("login_throttle:RedisLoginThrottle"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    oauth_flows = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(InMemoryOAuthFlowStore, clock),
        redis=providers.Singleton(
            _on_redis("oauth_flows:RedisOAuthFlowStore"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    install_counter = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(InMemoryInstallCounter),
        redis=providers.Singleton(
            _on_redis("install_counter:RedisInstallCounter"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    latest_code_store = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(InMemoryLatestCodeStore, rate_limiter, clock),
        redis=providers.Singleton(
            _on_redis("latest_code:RedisLatestCodeStore"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    # In each process whatever the wiring: its entries are never stale.
    prepared_code = providers.Singleton(InMemoryPreparedCodeCache)
    access_state = providers.Selector(
        settings.provided.access_state_backend,
        sequential=providers.Singleton(
            SequentialAccessStateReader,
            session_store=session_store,
            cache=permission_cache,
            limiter=rate_limiter,
        ),
        redis=providers.Singleton(
            _on_redis("access_state:RedisAccessStateReader"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    # Read by `access_state` on a token request's round trip, so marked where it reads.
    token_marks = providers.Selector(
        settings.provided.access_state_backend,
        sequential=providers.Singleton(UnmarkedAccessTokens),
        redis=providers.Singleton(
            _on_redis("access_token_marks:RedisAccessTokenMarks"),
            redis_client,
            prefix=settings.provided.redis_key_prefix,
        ),
    )
    # In each process whatever the wiring: a token never changes, its revocation is marked.
    access_token_cache = providers.Singleton(InMemoryAccessTokenCache)
    database_health = providers.Singleton(SqlAlchemyHealthProbe, engine)
    schema_probe = providers.Singleton(SqlAlchemySchemaProbe, engine)
    cache_health = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(InProcessHealthProbe),
        redis=providers.Singleton(_on_redis("health:RedisHealthProbe"), redis_client),
    )

    mailer = providers.Singleton(
        mailer_from_url, settings.provided.smtp_url, settings.provided.mail_from
    )
    outbox_dispatch_store = providers.Singleton(SqlAlchemyOutboxDispatchStore, engine)

    account_reader = providers.Singleton(SqlAlchemyAccountReader, engine)

    sync_job_store = providers.Singleton(SqlAlchemySyncJobStore, engine)

    oauth_gateway = providers.Singleton(oauth_gateway_for, settings)
    # The one way the server fetches a URL a user gave.
    source_fetcher = providers.Singleton(
        HttpxSourceFetcher,
        allow_http=settings.provided.fetch_allows_http,
        allow_loopback=settings.provided.fetch_allow_loopback,
    )

    # Per use: a unit of work is one transaction; use cases open theirs at call time.
    unit_of_work = providers.Factory(SqlAlchemyUnitOfWork, engine)
