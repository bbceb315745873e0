"""Exchange the callback's one-time code for a token pair."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import load_own_user
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.ports.oauth import OAuthFlowStore
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import AccountSuspendedError, NotFoundError, OAuthError


@dataclass(frozen=True)
class ExchangeOAuthCodeCommand:
    code: str
    context: RequestContext = RequestContext()


class ExchangeOAuthCode:
    """The code works once, within `EXCHANGE_CODE_LIFETIME` (else OAuthError): a session
    signed in with the code's provider, audited `auth.login` with `metadata.provider`. An
    account suspended or deleted since the callback gets no session."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        flows: OAuthFlowStore,
        sessions: SessionStarter,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._flows = flows
        self._sessions = sessions
        self._clock = clock

    async def execute(self, command: ExchangeOAuthCodeCommand) -> TokenPair:
        grant = await self._flows.redeem(command.code) if command.code else None
        if grant is None:
            raise OAuthError("Unknown, used or expired code.")
        async with self._uow_factory() as uow:
            try:
                own = await load_own_user(uow, grant.user_id)
            except NotFoundError as gone:
                raise OAuthError("The account of this code no longer exists.") from gone
        if not own.user.is_active:
            raise AccountSuspendedError("This account is suspended.")
        pair = await self._sessions.start(own, command.context, str(grant.provider))
        signed_in = audit_entry(
            self._clock,
            "auth.login",
            command.context,
            actor_id=own.user.id,
            resource_type="user",
            resource_id=own.user.id,
            metadata={"provider": str(grant.provider)},
        )
        await record_alone(self._uow_factory(), signed_in)
        return pair
