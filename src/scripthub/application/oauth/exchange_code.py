"""Exchange the callback's one-time code for a token pair."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import load_own_user
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.oauth.flows import is_bound_browser
from scripthub.application.ports.oauth import OAuthFlowStore
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import AccountSuspendedError, NotFoundError, OAuthError


@dataclass(frozen=True)
class ExchangeOAuthCodeCommand:
    code: str
    browser_secret: str | None
    """What the browser holds from the flow that issued the code (its cookie)."""
    context: RequestContext = RequestContext()


class ExchangeOAuthCode:
    """The code works once, within `EXCHANGE_CODE_LIFETIME`, in the browser that started its
    flow (else OAuthError; a code brought by another browser is spent all the same, so that
    whoever holds it cannot try again): a session signed in with the code's provider,
    audited `auth.login` with `metadata.provider`. An account suspended or deleted since
    the callback gets no session."""

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
        if not is_bound_browser(command.browser_secret, grant.browser_binding):
            raise OAuthError("This code was issued to another browser; sign in again.")
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
