"""Close one's own account (soft delete)."""

from __future__ import annotations

from scripthub.application.accounts import Principal, load_own_user
from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.session_store import SessionStore
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.roles.safeguards import keeping_roles_manageable
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import InvalidCredentialsError, ValidationError
from scripthub.domain.users import AccountStatus


class DeleteOwnAccount:
    """Mark the account deleted, which frees its email and username, and end every session.

    An account with a password must confirm it; OAuth-only accounts have none to give.
    """

    def __init__(
        self, uow: UnitOfWork, hasher: PasswordHasher, session_store: SessionStore, clock: Clock
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._session_store = session_store
        self._clock = clock

    async def execute(
        self, principal: Principal, password: str | None, context: RequestContext
    ) -> None:
        async with self._uow as uow:
            user = (await load_own_user(uow, principal.user_id)).user
        if user.password_hash is not None:
            if password is None:
                raise ValidationError.single("password", "is required to delete this account")
            if not await self._hasher.verify(password, user.password_hash):
                raise InvalidCredentialsError("The password is wrong.")
        now = self._clock.now()
        async with self._uow as uow:
            user.account_status = AccountStatus.DELETED
            user.updated_at = now
            await keeping_roles_manageable(uow, lambda: uow.users.save(user))
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "user.deleted",
                    context,
                    actor_id=user.id,
                    resource_type="user",
                    resource_id=user.id,
                )
            )
            await uow.commit()
        await self._session_store.revoke_all(user.id)
