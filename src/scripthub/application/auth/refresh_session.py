"""Trade a refresh token for a new token pair (rotation with reuse detection)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from scripthub.application.accounts import OwnUser
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.ports.account_reader import AccountReader
from scripthub.application.ports.session_store import SessionStore
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.tokens import hash_token, successor_token
from scripthub.domain.audit import Outcome, RequestContext
from scripthub.domain.errors import (
    AccountSuspendedError,
    DomainError,
    RefreshTokenInvalidError,
    RefreshTokenReusedError,
)
from scripthub.domain.sessions import RotationOutcome, Session
from scripthub.domain.users import AccountStatus

_CURRENT_PAIR = (RotationOutcome.ROTATED, RotationOutcome.ALREADY_ROTATED)
"""The outcomes that answer with the session's current pair."""


@dataclass(frozen=True)
class RefreshSessionCommand:
    refresh_token: str
    context: RequestContext = RequestContext()


class RefreshSession:
    """Rotate the refresh token: the old one stops working the moment the new one exists.

    A rotated token presented again within the grace window (a client's own concurrent
    refresh that lost the race) gets the session's current pair: the refresh token the
    winner got and a fresh access token. After the window, the token is presumed stolen and
    the whole session ends.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        reader: AccountReader,
        session_store: SessionStore,
        sessions: SessionStarter,
        clock: Clock,
        reuse_grace: timedelta,
        rotation_key: bytes,
    ) -> None:
        self._uow_factory = uow_factory
        self._reader = reader
        self._session_store = session_store
        self._sessions = sessions
        self._clock = clock
        self._reuse_grace = reuse_grace
        self._rotation_key = rotation_key

    async def execute(self, command: RefreshSessionCommand) -> TokenPair:
        new_token = successor_token(command.refresh_token, self._rotation_key)
        rotation = await self._session_store.rotate(
            hash_token(command.refresh_token),
            hash_token(new_token),
            self._clock.now(),
            self._reuse_grace,
        )
        session = rotation.session
        if rotation.outcome is RotationOutcome.REUSED and session is not None:
            await self._record_reuse(session, command.context)
            raise RefreshTokenReusedError(
                "This refresh token was already used; the session has been ended."
            )
        if rotation.outcome is RotationOutcome.ENDED and session is not None:
            raise _ended_session_error(await self._account_of(session))
        if rotation.outcome not in _CURRENT_PAIR or session is None:
            raise RefreshTokenInvalidError("The refresh token is invalid or expired.")
        own = await self._account_of(session)
        if own is None or not own.user.is_active or session.epoch < own.user.session_epoch:
            await self._session_store.revoke(session.id)
            raise _ended_session_error(own)
        return self._sessions.pair(own, session.id, new_token)

    async def _account_of(self, session: Session) -> OwnUser | None:
        own = await self._reader.account(session.user_id)
        if own is None or own.user.account_status is AccountStatus.DELETED:
            return None
        return own

    async def _record_reuse(self, session: Session, context: RequestContext) -> None:
        entry = audit_entry(
            self._clock,
            "auth.refresh_reused",
            context,
            actor_id=session.user_id,
            resource_type="session",
            resource_id=session.id,
            outcome=Outcome.DENIED,
        )
        await record_alone(self._uow_factory(), entry)


def _ended_session_error(own: OwnUser | None) -> DomainError:
    """A suspended account is told so (403), not merely that the token is invalid."""
    if own is not None and own.user.account_status is AccountStatus.SUSPENDED:
        return AccountSuspendedError("This account is suspended.")
    return RefreshTokenInvalidError("This session has ended; sign in again.")
