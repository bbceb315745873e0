"""List one's personal access tokens."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.access_tokens.managing import require_session
from scripthub.application.accounts import Principal
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.access_tokens import AccessToken


@dataclass(frozen=True)
class ListAccessTokensQuery:
    principal: Principal


@dataclass(frozen=True)
class ListAccessTokens:
    """The caller's tokens that are not revoked (expired ones too, until revoked), newest
    first, never with their secrets. Needs a session (TokenScopeError for a token)."""

    uow_factory: UnitOfWorkFactory

    async def execute(self, query: ListAccessTokensQuery) -> list[AccessToken]:
        require_session(query.principal)
        async with self.uow_factory() as uow:
            return await uow.access_tokens.list_unrevoked(query.principal.user_id)
