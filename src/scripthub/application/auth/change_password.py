"""Change one's password, knowing the current one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from scripthub.application.accounts import Principal, inactive_account_error, load_own_user
from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.auth.session_starter import SessionStarter, TokenPair
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.errors import ValidationError, WrongCurrentPasswordError
from scripthub.domain.passwords import check_password


@dataclass(frozen=True)
class ChangePasswordCommand:
    principal: Principal
    current_password: str
    new_password: str
    context: RequestContext = RequestContext()


class ChangePassword:
    """Every other session ends (a stolen one included); the caller's session continues with
    a new token pair, its previous refresh token no longer working. Unused reset links die
    too."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        session_ending: SessionEnding,
        sessions: SessionStarter,
        clock: Clock,
        common_passwords: Collection[str],
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._session_ending = session_ending
        self._sessions = sessions
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, command: ChangePasswordCommand) -> TokenPair:
        check_password(command.new_password, self._common_passwords, field="new_password")
        if command.new_password == command.current_password:
            raise ValidationError.single("new_password", "must differ from the current password")
        async with self._uow_factory() as uow:
            own = await load_own_user(uow, command.principal.user_id)
        if not await self._hasher.verify(command.current_password, own.user.password_hash):
            raise WrongCurrentPasswordError("The current password is wrong.")
        new_hash = await self._hasher.hash(command.new_password)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            # Only over the hash the current password was checked against: once a password
            # change or reset has committed meanwhile, the current password given is wrong.
            # The account row first, then the reset links, as a reset takes them.
            if not await uow.users.set_password_hash(
                own.user.id, new_hash, now, replacing=own.user.password_hash
            ):
                user = await uow.users.get(own.user.id)
                if user is not None and user.is_active:
                    raise WrongCurrentPasswordError("The current password is wrong.")
                raise await inactive_account_error(uow, own.user.id)
            own = await load_own_user(uow, own.user.id)
            await uow.email_tokens.revoke_unused(own.user.id, TokenPurpose.RESET_PASSWORD, now)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "auth.password_changed",
                    command.context,
                    actor_id=own.user.id,
                    resource_type="user",
                    resource_id=own.user.id,
                )
            )
            await self._session_ending.before_commit(own.user.id, revoked_tokens=())
            await uow.commit()
        # Moves the caller's session to the new epoch first: should the store fail there, the
        # caller's session has ended with the others, and the tidying is not worth a second
        # deadline.
        pair = await self._sessions.reissue(own, command.principal.session_id)
        await self._session_ending.after_commit(own.user.id, keep=command.principal.session_id)
        return pair
