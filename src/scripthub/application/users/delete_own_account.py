"""Close one's own account (soft delete)."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal, load_own_user
from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.security import PasswordHasher
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.roles.safeguards import keeping_roles_manageable
from scripthub.application.scripts.access import cache_names
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError, ValidationError, WrongCurrentPasswordError
from scripthub.domain.users import AccountStatus

_LIVE = (AccountStatus.ACTIVE, AccountStatus.SUSPENDED)


@dataclass(frozen=True)
class DeleteOwnAccountCommand:
    principal: Principal
    password: str | None = None
    """Required when the account has a password."""
    context: RequestContext = RequestContext()


class DeleteOwnAccount:
    """Mark the account deleted, with every script it owns (each audited `script.deleted`
    with `metadata.with_account`, in the same transaction), and end every session. The email
    is free again at once; the username after `USERNAME_HELD_FOR` (see `UserRepository`).

    An account with a password must confirm it; OAuth-only accounts have none to give. Only
    the status changes: nothing a concurrent edit wrote is undone, and no later edit can
    bring the account back.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        session_ending: SessionEnding,
        latest_code: LatestCodeCache,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._session_ending = session_ending
        self._latest_code = latest_code
        self._clock = clock

    async def execute(self, command: DeleteOwnAccountCommand) -> None:
        async with self._uow_factory() as uow:
            user = (await load_own_user(uow, command.principal.user_id)).user
        if user.password_hash is not None:
            if command.password is None:
                raise ValidationError.single("password", "is required to delete this account")
            if not await self._hasher.verify(command.password, user.password_hash):
                raise WrongCurrentPasswordError("The password is wrong.")
        now = self._clock.now()
        async with self._uow_factory() as uow:
            deleted = await keeping_roles_manageable(
                uow,
                lambda: uow.users.change_status(
                    user.id, AccountStatus.DELETED, now, only_from=_LIVE
                ),
            )
            if not deleted:
                raise NotFoundError("User not found.")
            # The account is ours to change until commit: its password is the one checked
            # above, unless a password change committed meanwhile.
            current = await uow.users.get(user.id)
            if current is None or current.password_hash != user.password_hash:
                raise WrongCurrentPasswordError("The password is wrong.")
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "user.deleted",
                    command.context,
                    actor_id=user.id,
                    resource_type="user",
                    resource_id=user.id,
                )
            )
            # After the account's row is locked: a script or version being published for
            # it commits first and is deleted here, or finds the account deleted.
            scripts = await uow.scripts.delete_owned_by(user.id, now)
            revoked_tokens = await uow.access_tokens.revoke_all(user.id, now)
            for script in scripts:
                await uow.audit.record(
                    audit_entry(
                        self._clock,
                        "script.deleted",
                        command.context,
                        actor_id=user.id,
                        resource_type="script",
                        resource_id=script.id,
                        metadata={"with_account": True},
                    )
                )
            await self._session_ending.before_commit(user.id, revoked_tokens=revoked_tokens)
            await uow.commit()
        await self._session_ending.after_commit(user.id)
        await self._latest_code.changed(cache_names(*scripts))
