"""`UnitOfWork` on a Core `AsyncConnection`: one transaction per use case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scripthub.adapters.sqlalchemy.audit import SqlAlchemyAuditLog
from scripthub.adapters.sqlalchemy.email_tokens import SqlAlchemyEmailTokenRepository
from scripthub.adapters.sqlalchemy.errors import database_errors, domain_error_for
from scripthub.adapters.sqlalchemy.outbox_writer import SqlAlchemyOutboxWriter
from scripthub.adapters.sqlalchemy.provider_links import SqlAlchemyProviderLinkRepository
from scripthub.adapters.sqlalchemy.roles import SqlAlchemyRoleRepository
from scripthub.adapters.sqlalchemy.scripts import SqlAlchemyScriptRepository
from scripthub.adapters.sqlalchemy.statements import (
    AsyncpgStatements,
    SqlAlchemyStatements,
    Statements,
)
from scripthub.adapters.sqlalchemy.users import SqlAlchemyUserRepository

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy.ext.asyncio import AsyncEngine

    from scripthub.application.ports.audit import AuditLog
    from scripthub.application.ports.email_tokens import EmailTokenRepository
    from scripthub.application.ports.mail import OutboxWriter
    from scripthub.application.ports.provider_links import ProviderLinkRepository
    from scripthub.application.ports.roles import RoleRepository
    from scripthub.application.ports.scripts import ScriptRepository
    from scripthub.application.ports.users import UserRepository


class SqlAlchemyUnitOfWork:
    """One connection of `engine` per `async with` block, in a transaction that is rolled back
    unless `commit()` was called. The repositories run Core statements only: an ORM session
    between them and the connection would add nothing but its cost.

    A database that cannot be reached (on entering the block, inside it or at commit)
    surfaces as `ServiceUnavailableError`; a violated constraint as a `ConflictError` (or
    `NotFoundError` for a missing referenced row).
    """

    users: UserRepository
    provider_links: ProviderLinkRepository
    roles: RoleRepository
    audit: AuditLog
    email_tokens: EmailTokenRepository
    outbox: OutboxWriter
    scripts: ScriptRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._on_asyncpg = engine.dialect.driver == "asyncpg"

    async def __aenter__(self) -> Self:
        with database_errors():
            # The transaction begins with the first statement, and again with the first one
            # after a commit (SQLAlchemy's autobegin).
            connection = await self._engine.connect()
        self._connection = connection
        statements: Statements
        if self._on_asyncpg:
            statements = self._driver_statements = AsyncpgStatements(connection)
        else:
            statements = SqlAlchemyStatements(connection)
        self.users = SqlAlchemyUserRepository(connection, statements)
        self.provider_links = SqlAlchemyProviderLinkRepository(connection, statements)
        self.roles = SqlAlchemyRoleRepository(connection, statements)
        self.audit = SqlAlchemyAuditLog(connection, statements)
        self.email_tokens = SqlAlchemyEmailTokenRepository(connection)
        self.outbox = SqlAlchemyOutboxWriter(connection)
        self.scripts = SqlAlchemyScriptRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._on_asyncpg and self._driver_statements.broken:
                await self._connection.invalidate()
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
            await self._connection.commit()
