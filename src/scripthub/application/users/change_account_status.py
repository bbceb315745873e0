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
from scripthub.application.users.account_status import stage_status_change, status_changed
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError
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
        now = self._clock.now()
        async with self._uow_factory() as uow:
            change = await stage_status_change(
                uow, self._session_ending, command.user_id, command.status, now
            )
            own = await load_own_user(uow, command.user_id)
            if change.changed:
                await uow.audit.record(
                    audit_entry(
                        self._clock,
                        "user.status_changed",
                        command.context,
                        actor_id=command.actor.user_id,
                        resource_type="user",
                        resource_id=command.user_id,
                        metadata={"from": str(change.previous), "to": str(command.status)},
                    )
                )
                await uow.commit()
        await status_changed(change, self._session_ending, self._latest_code)
        return own
