"""The transaction boundary of a use case."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from scripthub.application.ports.access_tokens import AccessTokenRepository
from scripthub.application.ports.audit import AuditLog
from scripthub.application.ports.beta_channel import BetaChannelRepository
from scripthub.application.ports.email_tokens import EmailTokenRepository
from scripthub.application.ports.mail import OutboxWriter
from scripthub.application.ports.provider_links import ProviderLinkRepository
from scripthub.application.ports.publishing import PublicationHistory, RequireAllowlistRepository
from scripthub.application.ports.reports import ReportRepository
from scripthub.application.ports.roles import RoleRepository
from scripthub.application.ports.script_authors import ScriptAuthorRepository
from scripthub.application.ports.scripts import ScriptRepository
from scripthub.application.ports.sources import SourceRepository, WebhookRepository
from scripthub.application.ports.users import UserRepository
from scripthub.application.ports.version_reviews import VersionReviewRepository


class UnitOfWork(Protocol):
    """One transaction over the relational store.

    Use it as `async with uow: ...; await uow.commit()`. Leaving the block without calling
    `commit()` rolls everything back. A unit of work serves one `async with` block: use cases
    open a new one from their factory for each transaction.
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

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make everything staged in this unit of work durable, atomically."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
"""Use cases are built once per process and open a new unit of work per call with this."""
