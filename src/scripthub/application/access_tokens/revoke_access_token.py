"""Revoke one of one's personal access tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.access_tokens.managing import require_session, token_entry
from scripthub.application.accounts import Principal
from scripthub.application.ports.access_tokens import AccessTokenMarks
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError


@dataclass(frozen=True)
class RevokeAccessTokenCommand:
    principal: Principal
    token_id: uuid.UUID
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class RevokeAccessToken:
    """Revoke a token of the caller's for good (audited `token.revoked`): the next request
    made with it, on any process, is refused, as the token is marked revoked before the
    revocation commits (`AccessTokenMarks`). NotFoundError for a token that is unknown,
    another's or revoked already. Needs a session (TokenScopeError for a token)."""

    uow_factory: UnitOfWorkFactory
    token_marks: AccessTokenMarks
    clock: Clock

    async def execute(self, command: RevokeAccessTokenCommand) -> None:
        require_session(command.principal)
        async with self.uow_factory() as uow:
            token = await uow.access_tokens.revoke(
                command.principal.user_id, command.token_id, self.clock.now()
            )
            if token is None:
                raise NotFoundError("Token not found.")
            await uow.audit.record(
                token_entry(self.clock, "token.revoked", command.context, command.principal, token)
            )
            await self.token_marks.mark_revoked([token])
            await uow.commit()
