"""Suspend or reactivate an account."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Actor, OwnUser, load_own_user
from scripthub.application.audit.recording import audit_entry
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.roles.safeguards import keeping_roles_manageable
from scripthub.application.scripts.access import cache_names
from scripthub.domain.access_tokens import AccessToken
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, ValidationError
from scripthub.domain.roles import USERS_MANAGE
from scripthub.domain.users import AccountStatus


@dataclass(frozen=True)
class ChangeAccountStatusCommand:
    actor: Actor
    user_id: uuid.UUID
    status: AccountStatus
    context: RequestContext = RequestContext()


class ChangeAccountStatus:
    """Suspension ends every session of the user at once and hides their scripts (see
    `Script.seen_as`); reactivation lets them sign in and shows the scripts again."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        session_ending: SessionEnding,
        latest_code: LatestCodeCache,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._session_ending = session_ending
        self._latest_code = latest_code
        self._clock = clock

    async def execute(self, command: ChangeAccountStatusCommand) -> OwnUser:
        await self._authorizer.require(
            command.actor,
            USERS_MANAGE,
            command.context,
            resource_type="user",
            resource_id=command.user_id,
        )
        if command.user_id == command.actor.user_id:
            raise ConflictError("You cannot change the status of your own account.")
        if command.status is AccountStatus.DELETED:
            raise ValidationError.single("account_status", "must be active or suspended")
        previous = (
            AccountStatus.ACTIVE
            if command.status is AccountStatus.SUSPENDED
            else AccountStatus.SUSPENDED
        )
        now = self._clock.now()
        async with self._uow_factory() as uow:
            # Only from the other live status: never out of deleted, whatever committed
            # since the caller looked.
            changed = await keeping_roles_manageable(
                uow,
                lambda: uow.users.change_status(
                    command.user_id, command.status, now, only_from=(previous,)
                ),
            )
            own = await load_own_user(uow, command.user_id)
            scripts = await uow.scripts.names_owned_by(command.user_id)
            revoked_tokens: list[AccessToken] = []
            if changed and command.status is AccountStatus.SUSPENDED:
                # For good: reactivation does not revive them.
                revoked_tokens = await uow.access_tokens.revoke_all(command.user_id, now)
            if changed:
                await uow.audit.record(
                    audit_entry(
                        self._clock,
                        "user.status_changed",
                        command.context,
                        actor_id=command.actor.user_id,
                        resource_type="user",
                        resource_id=command.user_id,
                        metadata={"from": str(previous), "to": str(command.status)},
                    )
                )
                await self._session_ending.before_commit(
                    command.user_id, revoked_tokens=revoked_tokens
                )
                await uow.commit()
        # Also when unchanged: a retry after a store outage still tidies the stores.
        await self._session_ending.after_commit(command.user_id)
        # Its scripts are hidden while it is suspended: cached validators must not answer
        # update checks for them, nor keep them hidden once it is active again.
        await self._latest_code.changed(cache_names(*scripts))
        return own
