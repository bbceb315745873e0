"""The moderators' queue of versions held for review."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.pagination import Page, decode_cursor, page_of
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.ports.version_reviews import HeldVersion
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import SCRIPTS_MODERATE


@dataclass(frozen=True)
class ListHeldVersionsQuery:
    principal: Principal
    cursor: str | None = None
    limit: int = 20
    context: RequestContext = RequestContext()


class ListHeldVersions:
    """A page of the versions held for review, oldest first (the longest waiting), with
    their scripts; needs `scripts.moderate` (ForbiddenError, audited). Versions of deleted
    scripts are not listed. Cursors are those of the other lists (`pagination`), read in
    this list's order."""

    def __init__(self, uow_factory: UnitOfWorkFactory, authorizer: Authorizer) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer

    async def execute(self, query: ListHeldVersionsQuery) -> Page[HeldVersion]:
        await self._authorizer.require(query.principal, SCRIPTS_MODERATE, query.context)
        after = decode_cursor(query.cursor)
        async with self._uow_factory() as uow:
            held = await uow.version_reviews.held(after=after, limit=query.limit + 1)
        return page_of(held, query.limit, lambda h: Keyset(h.version.created_at, h.version.id))
