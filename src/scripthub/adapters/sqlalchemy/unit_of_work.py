"""`UnitOfWork` on an `AsyncSession`: one transaction per use case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scripthub.adapters.sqlalchemy.audit import SqlAlchemyAuditLog
from scripthub.adapters.sqlalchemy.email_tokens import SqlAlchemyEmailTokenRepository
from scripthub.adapters.sqlalchemy.errors import database_errors, domain_error_for
from scripthub.adapters.sqlalchemy.outbox_writer import SqlAlchemyOutboxWriter
from scripthub.adapters.sqlalchemy.provider_links import SqlAlchemyProviderLinkRepository
from scripthub.adapters.sqlalchemy.roles import SqlAlchemyRoleRepository
from scripthub.adapters.sqlalchemy.users import SqlAlchemyUserRepository

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from scripthub.application.ports.audit import AuditLog
    from scripthub.application.ports.email_tokens import EmailTokenRepository
    from scripthub.application.ports.mail import OutboxWriter
    from scripthub.application.ports.provider_links import ProviderLinkRepository
    from scripthub.application.ports.roles import RoleRepository
    from scripthub.application.ports.users import UserRepository


class SqlAlchemyUnitOfWork:
    """One session per `async with` block; rolled back unless `commit()` was called.

    A database that cannot be reached, inside the block or at commit, surfaces as
    `ServiceUnavailableError`; a violated constraint as a `ConflictError` (or `NotFoundError`
    for a missing referenced row).
    """

    users: UserRepository
    provider_links: ProviderLinkRepository
    roles: RoleRepository
    audit: AuditLog
    email_tokens: EmailTokenRepository
    outbox: OutboxWriter

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self.users = SqlAlchemyUserRepository(self._session)
        self.provider_links = SqlAlchemyProviderLinkRepository(self._session)
        self.roles = SqlAlchemyRoleRepository(self._session)
        self.audit = SqlAlchemyAuditLog(self._session)
        self.email_tokens = SqlAlchemyEmailTokenRepository(self._session)
        self.outbox = SqlAlchemyOutboxWriter(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # Closing rolls back whatever was not committed and returns the connection.
            await self._session.close()
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
            await self._session.commit()
