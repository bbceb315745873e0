"""The composition root: picks adapters from settings and builds the use cases."""

from __future__ import annotations

import redis.asyncio as aioredis
from dependency_injector import containers, providers

from scripthub.adapters.access_state import SequentialAccessStateReader
from scripthub.adapters.mail import mailer_from_url
from scripthub.adapters.memory import InMemoryRateLimiter, InMemorySessionStore
from scripthub.adapters.redis import RedisHealthProbe, RedisRateLimiter, RedisSessionStore
from scripthub.adapters.redis.access_state import RedisAccessStateReader
from scripthub.adapters.redis.permission_cache import RedisPermissionCache
from scripthub.adapters.security import BcryptPasswordHasher, JwtAccessTokens, load_common_passwords
from scripthub.adapters.sqlalchemy import (
    SqlAlchemyHealthProbe,
    SqlAlchemyOutboxDispatchStore,
    SqlAlchemySessionStore,
    SqlAlchemyUnitOfWork,
    create_engine,
)
from scripthub.adapters.sqlalchemy.account_reader import SqlAlchemyAccountReader
from scripthub.adapters.system import SystemClock
from scripthub.adapters.uncached_permissions import UncachedPermissionCache
from scripthub.application.audit.list_entries import ListAuditEntries
from scripthub.application.auth.authenticate_request import AuthenticateRequest
from scripthub.application.auth.change_password import ChangePassword
from scripthub.application.auth.end_session import EndSession
from scripthub.application.auth.list_sessions import ListSessions
from scripthub.application.auth.log_in import LogIn
from scripthub.application.auth.log_out import LogOut
from scripthub.application.auth.refresh_session import RefreshSession
from scripthub.application.auth.register_user import RegisterUser
from scripthub.application.auth.request_password_reset import RequestPasswordReset
from scripthub.application.auth.resend_verification_email import ResendVerificationEmail
from scripthub.application.auth.reset_password import ResetPassword
from scripthub.application.auth.session_starter import SessionStarter
from scripthub.application.auth.verify_email import VerifyEmail
from scripthub.application.authorization import Authorizer
from scripthub.application.mail.deliver_mail import DeliverMail
from scripthub.application.mail.messages import MailLinks
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.roles.create_permission import CreatePermission
from scripthub.application.roles.create_role import CreateRole
from scripthub.application.roles.delete_role import DeleteRole
from scripthub.application.roles.list_permissions import ListPermissions
from scripthub.application.roles.list_roles import ListRoles
from scripthub.application.roles.set_role_permissions import SetRolePermissions
from scripthub.application.users.change_account_status import ChangeAccountStatus
from scripthub.application.users.change_roles import ChangeUserRole
from scripthub.application.users.delete_own_account import DeleteOwnAccount
from scripthub.application.users.get_own_user import GetOwnUser
from scripthub.application.users.get_public_user import GetPublicUser
from scripthub.application.users.list_users import ListUsers
from scripthub.application.users.update_own_user import UpdateOwnUser
from scripthub.entrypoints.settings import Settings


class InProcessHealthProbe:
    """In-process stores are always up."""

    async def healthy(self) -> bool:
        return True


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    # Infrastructure, one per process.
    clock = providers.Singleton(SystemClock)
    common_passwords = providers.Singleton(load_common_passwords)
    hasher = providers.Singleton(BcryptPasswordHasher, rounds=settings.provided.bcrypt_rounds)
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
    redis_client = providers.Singleton(aioredis.Redis.from_url, settings.provided.redis_url)

    session_store = providers.Selector(
        settings.provided.session_store,
        memory=providers.Singleton(InMemorySessionStore),
        sql=providers.Singleton(SqlAlchemySessionStore, engine),
        redis=providers.Singleton(
            RedisSessionStore, redis_client, prefix=settings.provided.redis_key_prefix
        ),
    )
    permission_cache = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(UncachedPermissionCache),
        redis=providers.Singleton(
            RedisPermissionCache, redis_client, prefix=settings.provided.redis_key_prefix
        ),
    )
    access_state = providers.Selector(
        settings.provided.access_state_backend,
        sequential=providers.Singleton(
            SequentialAccessStateReader, session_store=session_store, cache=permission_cache
        ),
        redis=providers.Singleton(
            RedisAccessStateReader, redis_client, prefix=settings.provided.redis_key_prefix
        ),
    )
    rate_limiter = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(InMemoryRateLimiter, clock),
        redis=providers.Singleton(
            RedisRateLimiter, redis_client, prefix=settings.provided.redis_key_prefix
        ),
    )
    database_health = providers.Singleton(SqlAlchemyHealthProbe, engine)
    cache_health = providers.Selector(
        settings.provided.cache_backend,
        memory=providers.Singleton(InProcessHealthProbe),
        redis=providers.Singleton(RedisHealthProbe, redis_client),
    )

    mailer = providers.Singleton(
        mailer_from_url, settings.provided.smtp_url, settings.provided.mail_from
    )
    outbox_dispatch_store = providers.Singleton(SqlAlchemyOutboxDispatchStore, engine)
    deliver_mail = providers.Singleton(
        DeliverMail, outbox=outbox_dispatch_store, mailer=mailer, clock=clock
    )
    token_mail = providers.Singleton(
        TokenMail,
        links=providers.Singleton(MailLinks, settings.provided.frontend_url),
        clock=clock,
        limiter=rate_limiter,
    )

    account_reader = providers.Singleton(SqlAlchemyAccountReader, engine)

    # Per use: a unit of work is one transaction; use cases take theirs at call time.
    unit_of_work = providers.Factory(SqlAlchemyUnitOfWork, engine)
    session_starter = providers.Factory(
        SessionStarter,
        session_store=session_store,
        access_tokens=access_tokens,
        clock=clock,
        session_lifetime=settings.provided.session_lifetime,
    )

    authenticate_request = providers.Singleton(
        AuthenticateRequest,
        uow_factory=unit_of_work.provider,
        access_tokens=access_tokens,
        access_state=access_state,
        permission_cache=permission_cache,
        clock=clock,
    )
    authorizer = providers.Singleton(Authorizer, uow_factory=unit_of_work.provider, clock=clock)
    register_user = providers.Factory(
        RegisterUser,
        hasher=hasher,
        sessions=session_starter,
        token_mail=token_mail,
        clock=clock,
        common_passwords=common_passwords,
    )
    log_in = providers.Factory(LogIn, hasher=hasher, sessions=session_starter, clock=clock)
    refresh_session = providers.Factory(
        RefreshSession,
        reader=account_reader,
        session_store=session_store,
        sessions=session_starter,
        clock=clock,
        reuse_grace=settings.provided.reuse_grace,
    )
    log_out = providers.Factory(LogOut, session_store=session_store, clock=clock)
    list_sessions = providers.Factory(ListSessions, session_store=session_store, clock=clock)
    end_session = providers.Factory(EndSession, session_store=session_store, clock=clock)
    get_own_user = providers.Singleton(GetOwnUser, reader=account_reader)
    get_public_user = providers.Factory(GetPublicUser)
    update_own_user = providers.Factory(UpdateOwnUser, clock=clock)
    delete_own_account = providers.Factory(
        DeleteOwnAccount, hasher=hasher, session_store=session_store, clock=clock
    )
    list_users = providers.Factory(ListUsers)
    change_account_status = providers.Factory(
        ChangeAccountStatus,
        session_store=session_store,
        permission_cache=permission_cache,
        clock=clock,
    )
    change_user_role = providers.Factory(
        ChangeUserRole, permission_cache=permission_cache, clock=clock
    )
    list_roles = providers.Factory(ListRoles)
    create_role = providers.Factory(CreateRole, clock=clock)
    set_role_permissions = providers.Factory(
        SetRolePermissions, permission_cache=permission_cache, clock=clock
    )
    delete_role = providers.Factory(DeleteRole, permission_cache=permission_cache, clock=clock)
    list_permissions = providers.Factory(ListPermissions)
    create_permission = providers.Factory(
        CreatePermission, permission_cache=permission_cache, clock=clock
    )
    list_audit_entries = providers.Factory(ListAuditEntries)
    verify_email = providers.Factory(VerifyEmail, token_mail=token_mail, clock=clock)
    resend_verification_email = providers.Factory(ResendVerificationEmail, token_mail=token_mail)
    request_password_reset = providers.Factory(RequestPasswordReset, token_mail=token_mail)
    reset_password = providers.Factory(
        ResetPassword,
        token_mail=token_mail,
        hasher=hasher,
        session_store=session_store,
        clock=clock,
        common_passwords=common_passwords,
    )
    change_password = providers.Factory(
        ChangePassword,
        hasher=hasher,
        session_store=session_store,
        sessions=session_starter,
        clock=clock,
        common_passwords=common_passwords,
    )


def build_container(settings: Settings) -> Container:
    return Container(settings=providers.Object(settings))


async def close_container(container: Container) -> None:
    """Release pools and threads at shutdown."""
    settings = container.settings()
    await container.engine().dispose()
    if settings.redis_url:
        await container.redis_client().aclose()
    container.hasher().close()
