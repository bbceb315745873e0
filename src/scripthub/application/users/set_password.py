"""An operator sets a user's password (`scripthub users set-password`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from scripthub.application.accounts import Actor, find_live_user, load_own_user
from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.new_password import settle_new_password, store_password_hash
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.passwords import check_password
from scripthub.domain.roles import USERS_MANAGE


@dataclass(frozen=True)
class SetUserPasswordCommand:
    actor: Actor
    target: str
    """The user's id, or their email."""
    new_password: str
    context: RequestContext = RequestContext()


class SetUserPassword:
    """As a reset does, under the password rules: every session of the user ends, unused reset
    links die, and an OAuth-only account gains password sign-in. Returns the user's email."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        hasher: PasswordHasher,
        session_ending: SessionEnding,
        clock: Clock,
        common_passwords: Collection[str],
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._hasher = hasher
        self._session_ending = session_ending
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, command: SetUserPasswordCommand) -> str:
        await self._authorizer.require(command.actor, USERS_MANAGE, command.context)
        check_password(command.new_password, self._common_passwords, field="new_password")
        password_hash = await self._hasher.hash(command.new_password)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            user = await find_live_user(uow, command.target)
            await store_password_hash(uow, user.id, password_hash, now)
            own = await load_own_user(uow, user.id)
            revoked_tokens = await settle_new_password(uow, own, now)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "user.password_set",
                    command.context,
                    actor_id=command.actor.user_id,
                    resource_type="user",
                    resource_id=user.id,
                    metadata={"via": "cli" if command.actor.user_id is None else "api"},
                )
            )
            await self._session_ending.before_commit(user.id, revoked_tokens=revoked_tokens)
            await uow.commit()
        await self._session_ending.after_commit(user.id)
        return user.email
