"""`UnitOfWork` on a Core `AsyncConnection`: one transaction per use case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util import greenlet_spawn

from scripthub.adapters.sqlalchemy.access_tokens import SqlAlchemyAccessTokenRepository
from scripthub.adapters.sqlalchemy.audit import SqlAlchemyAuditLog
from scripthub.adapters.sqlalchemy.beta_channel import SqlAlchemyBetaChannelRepository
from scripthub.adapters.sqlalchemy.email_tokens import SqlAlchemyEmailTokenRepository
from scripthub.adapters.sqlalchemy.errors import database_errors, domain_error_for
from scripthub.adapters.sqlalchemy.outbox_writer import SqlAlchemyOutboxWriter
from scripthub.adapters.sqlalchemy.provider_links import SqlAlchemyProviderLinkRepository
from scripthub.adapters.sqlalchemy.publishing import (
    SqlAlchemyPublicationHistory,
    SqlAlchemyRequireAllowlistRepository,
)
from scripthub.adapters.sqlalchemy.reports import SqlAlchemyReportRepository
from scripthub.adapters.sqlalchemy.roles import SqlAlchemyRoleRepository
from scripthub.adapters.sqlalchemy.script_authors import SqlAlchemyScriptAuthorRepository
from scripthub.adapters.sqlalchemy.scripts import SqlAlchemyScriptRepository
from scripthub.adapters.sqlalchemy.sources import (
    SqlAlchemySourceRepository,
    SqlAlchemyWebhookRepository,
)
from scripthub.adapters.sqlalchemy.statements import (
    AsyncpgStatements,
    SqlAlchemyStatements,
    Statements,
)
from scripthub.adapters.sqlalchemy.users import SqlAlchemyUserRepository
from scripthub.adapters.sqlalchemy.version_reviews import SqlAlchemyVersionReviewRepository
from scripthub.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy.ext.asyncio import AsyncEngine

    from scripthub.application.ports.access_tokens import AccessTokenRepository
    from scripthub.application.ports.audit import AuditLog
    from scripthub.application.ports.beta_channel import BetaChannelRepository
    from scripthub.application.ports.email_tokens import EmailTokenRepository
    from scripthub.application.ports.mail import OutboxWriter
    from scripthub.application.ports.provider_links import ProviderLinkRepository
    from scripthub.application.ports.publishing import (
        PublicationHistory,
        RequireAllowlistRepository,
    )
    from scripthub.application.ports.reports import ReportRepository
    from scripthub.application.ports.roles import RoleRepository
    from scripthub.application.ports.script_authors import ScriptAuthorRepository
    from scripthub.application.ports.scripts import ScriptRepository
    from scripthub.application.ports.sources import SourceRepository, WebhookRepository
    from scripthub.application.ports.users import UserRepository
    from scripthub.application.ports.version_reviews import VersionReviewRepository


class SqlAlchemyUnitOfWork:
    """One connection of `engine` per `async with` block, in a transaction that is rolled back
    unless `commit()` was called. The repositories run Core statements only: an ORM session
    between them and the connection would add nothing but its cost.

    A database that cannot be reached (on entering the block, inside it or at commit)
    surfaces as `ServiceUnavailableError`; a violated constraint as a `ConflictError` (or
    `NotFoundError` for a missing referenced row).

    On PostgreSQL the hot statements go to asyncpg's connection (`AsyncpgStatements`, which
    also commits), and the pooled connection is checked out and in by the pool itself, each
    in one greenlet hop: SQLAlchemy's `AsyncConnection` doing all three cost about 0.1 ms of
    CPU per unit of work, as much as the statements (bench/README.md, 2026-12-07). The
    `AsyncConnection` the other statements use wraps that same pooled connection, so all of
    them share one transaction; checking in rolls back what was not committed.
    """

    users: UserRepository
    provider_links: ProviderLinkRepository
    roles: RoleRepository
    audit: AuditLog
    email_tokens: EmailTokenRepository
    outbox: OutboxWriter
    scripts: ScriptRepository
    access_tokens: AccessTokenRepository
    sources: SourceRepository
    webhooks: WebhookRepository
    require_allowlist: RequireAllowlistRepository
    publications: PublicationHistory
    reports: ReportRepository
    version_reviews: VersionReviewRepository
    beta_channel: BetaChannelRepository
    script_authors: ScriptAuthorRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._on_asyncpg = engine.dialect.driver == "asyncpg"

    async def __aenter__(self) -> Self:
        statements: Statements
        if self._on_asyncpg:
            connection = await self._check_out()
            statements = self._driver_statements = AsyncpgStatements(connection)
        else:
            with database_errors():
                # The transaction begins with the first statement, and again with the first
                # one after a commit (SQLAlchemy's autobegin).
                connection = await self._engine.connect()
            statements = SqlAlchemyStatements(connection)
        self._connection = connection
        self.users = SqlAlchemyUserRepository(connection, statements)
        self.provider_links = SqlAlchemyProviderLinkRepository(connection, statements)
        self.roles = SqlAlchemyRoleRepository(connection, statements)
        self.audit = SqlAlchemyAuditLog(connection, statements)
        self.email_tokens = SqlAlchemyEmailTokenRepository(connection)
        self.outbox = SqlAlchemyOutboxWriter(connection)
        self.scripts = scripts = SqlAlchemyScriptRepository(connection, statements)
        self.version_reviews = SqlAlchemyVersionReviewRepository(connection, scripts)
        self.beta_channel = SqlAlchemyBetaChannelRepository(connection, scripts)
        self.access_tokens = SqlAlchemyAccessTokenRepository(connection, statements)
        self.sources = SqlAlchemySourceRepository(connection)
        self.webhooks = SqlAlchemyWebhookRepository(connection)
        self.require_allowlist = SqlAlchemyRequireAllowlistRepository(connection)
        self.publications = SqlAlchemyPublicationHistory(connection)
        self.reports = SqlAlchemyReportRepository(connection)
        self.script_authors = SqlAlchemyScriptAuthorRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._on_asyncpg:
                await self._check_in()
            else:
                # Closing rolls back whatever was not committed and returns the connection.
                await self._connection.close()
        except Exception as error:
            if exc is None:
                translated = domain_error_for(error)
                if translated is None:
                    raise
                raise translated from error
            # The error that ended the block says more than the failed clean-up after it.
        if exc is not None and (translated := domain_error_for(exc)) is not None:
            raise translated from exc

    async def commit(self) -> None:
        with database_errors():
            if self._on_asyncpg:
                await self._driver_statements.commit()
            else:
                await self._connection.commit()

    async def _check_out(self) -> AsyncConnection:
        try:
            with database_errors():  # the pool's timeout
                pooled = await greenlet_spawn(self._engine.sync_engine.pool.connect)
        except (OSError, self._engine.dialect.loaded_dbapi.Error) as error:
            raise ServiceUnavailableError("database unavailable") from error
        self._pooled: Any = pooled
        return AsyncConnection(self._engine, Connection(self._engine.sync_engine, pooled))

    async def _check_in(self) -> None:
        if self._driver_statements.broken:
            await greenlet_spawn(self._pooled.invalidate)
        # The pool's reset on return rolls back whatever was not committed.
        await greenlet_spawn(self._pooled.close)
