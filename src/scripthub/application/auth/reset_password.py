"""Forgotten passwords: set a new password with a mailed reset link."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from scripthub.application.accounts import load_own_user
from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.new_password import settle_new_password, store_password_hash
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.errors import AccountSuspendedError
from scripthub.domain.passwords import check_password


@dataclass(frozen=True)
class ResetPasswordCommand:
    token: str
    new_password: str
    context: RequestContext = RequestContext()


class ResetPassword:
    """Set a new password with a mailed link; every session ends, every other link dies, and
    an account that only had OAuth sign-in gains password sign-in."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        token_mail: TokenMail,
        hasher: PasswordHasher,
        session_ending: SessionEnding,
        clock: Clock,
        common_passwords: Collection[str],
    ) -> None:
        self._uow_factory = uow_factory
        self._token_mail = token_mail
        self._hasher = hasher
        self._session_ending = session_ending
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, command: ResetPasswordCommand) -> None:
        check_password(command.new_password, self._common_passwords, field="new_password")
        password_hash = await self._hasher.hash(command.new_password)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            token = await self._token_mail.find_usable(
                uow, command.token, TokenPurpose.RESET_PASSWORD
            )
            own = await load_own_user(uow, token.user_id)
            user = own.user
            if not user.is_active:
                raise AccountSuspendedError("This account is suspended.")
            await store_password_hash(uow, user.id, password_hash, now)
            await self._token_mail.use(uow, token)
            revoked_tokens = await settle_new_password(uow, own, now)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "auth.password_reset",
                    command.context,
                    actor_id=user.id,
                    resource_type="user",
                    resource_id=user.id,
                )
            )
            # The link is used up only if this commits.
            await self._session_ending.before_commit(user.id, revoked_tokens=revoked_tokens)
            await uow.commit()
        await self._session_ending.after_commit(user.id)
