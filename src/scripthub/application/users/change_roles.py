"""Grant or revoke a role: from the admin API (by user id) or the CLI (by email)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Actor, find_live_user
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.roles.lookup import existing_role
from scripthub.application.roles.safeguards import keeping_roles_manageable
from scripthub.domain.audit import AuditEntry, RequestContext
from scripthub.domain.errors import ForbiddenError
from scripthub.domain.roles import ROLES_ASSIGN, Role


@dataclass(frozen=True)
class ChangeUserRoleCommand:
    actor: Actor
    target: str
    """The user's id, or their email."""
    role: str
    grant: bool
    """True to give the role, False to take it away."""
    context: RequestContext = RequestContext()


class ChangeUserRole:
    """Returns the user's roles afterwards. Applies on the user's next request; refuses to
    leave nobody able to manage roles."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        permission_cache: PermissionCache,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._permission_cache = permission_cache
        self._clock = clock

    async def execute(self, command: ChangeUserRoleCommand) -> list[str]:
        await self._authorizer.require(command.actor, ROLES_ASSIGN, command.context)
        async with self._uow_factory() as uow:
            user = await find_live_user(uow, command.target)
            role = await existing_role(uow, command.role)
            check_may_hand_out(command.actor, role)
            if command.grant:
                changed = await uow.roles.assign(user.id, role.name)
            else:
                changed = await keeping_roles_manageable(
                    uow, lambda: uow.roles.revoke(user.id, role.name)
                )
            if changed:
                entry = role_change_entry(
                    self._clock,
                    command.actor,
                    command.context,
                    user.id,
                    role.name,
                    grant=command.grant,
                )
                await uow.audit.record(entry)
            roles = await uow.roles.roles_of(user.id)
            await uow.commit()
        if changed:
            await self._permission_cache.invalidate_user(user.id)
        return roles


def check_may_hand_out(actor: Actor, role: Role) -> None:
    """Nobody grants (or takes away) more than they hold themselves: `roles.assign` alone must
    not be a way to become admin."""
    missing = sorted(p for p in role.permissions if not actor.may(p))
    if missing:
        raise ForbiddenError(
            f"Role {role.name!r} carries permissions you do not hold: {', '.join(missing)}."
        )


def role_change_entry(
    clock: Clock,
    actor: Actor,
    context: RequestContext,
    user_id: uuid.UUID,
    role: str,
    *,
    grant: bool,
) -> AuditEntry:
    return audit_entry(
        clock,
        "role.assigned" if grant else "role.revoked",
        context,
        actor_id=actor.user_id,
        resource_type="user",
        resource_id=user_id,
        metadata={"role": role, "via": "cli" if actor.user_id is None else "api"},
    )
