"""Grant or revoke a role: from the admin API (by user id) or the CLI (by email)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.roles.safeguards import keeping_roles_manageable
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ForbiddenError, NotFoundError, ValidationError
from scripthub.domain.roles import Grants, Role, is_role_name
from scripthub.domain.users import AccountStatus, User, normalize_email


@dataclass(frozen=True)
class RoleChange:
    target: str
    """The user's id, or their email."""
    role: str
    grant: bool
    actor_id: uuid.UUID | None = None
    """Who asked; None for an operator at the CLI."""
    actor_grants: Grants | None = None
    """What the asker may do; None for an operator at the CLI, who may do anything."""
    context: RequestContext = RequestContext()


class ChangeUserRole:
    """Returns the user's roles afterwards. Applies on the user's next request; refuses to
    leave nobody able to manage roles."""

    def __init__(self, uow: UnitOfWork, permission_cache: PermissionCache, clock: Clock) -> None:
        self._uow = uow
        self._permission_cache = permission_cache
        self._clock = clock

    async def execute(self, change: RoleChange) -> list[str]:
        async with self._uow as uow:
            user = await _find_live_user(uow, change.target)
            role = await uow.roles.get(change.role) if is_role_name(change.role) else None
            if role is None:
                raise NotFoundError(f"No role named {change.role!r}.")
            _check_actor_may_hand_out(change.actor_grants, role)
            if change.grant:
                changed = await uow.roles.assign(user.id, change.role)
            else:
                changed = await keeping_roles_manageable(
                    uow, lambda: uow.roles.revoke(user.id, change.role)
                )
            if changed:
                await uow.audit.record(
                    audit_entry(
                        self._clock,
                        "role.assigned" if change.grant else "role.revoked",
                        change.context,
                        actor_id=change.actor_id,
                        resource_type="user",
                        resource_id=user.id,
                        metadata={"role": change.role, "via": "api" if change.actor_id else "cli"},
                    )
                )
            roles = await uow.roles.roles_of(user.id)
            await uow.commit()
        if changed:
            await self._permission_cache.invalidate_user(user.id)
        return roles


def _check_actor_may_hand_out(actor: Grants | None, role: Role) -> None:
    """Nobody grants (or takes away) more than they hold themselves: `roles.assign` alone must
    not be a way to become admin."""
    if actor is None:
        return
    missing = sorted(set(role.permissions) - actor.permissions)
    if missing:
        raise ForbiddenError(
            f"Role {role.name!r} carries permissions you do not hold: {', '.join(missing)}."
        )


async def _find_live_user(uow: UnitOfWork, target: str) -> User:
    try:
        user = await uow.users.get(uuid.UUID(target))
    except ValueError:
        try:
            user = await uow.users.get_by_email(normalize_email(target))
        except ValidationError:
            user = None
    if user is None or user.account_status is AccountStatus.DELETED:
        raise NotFoundError(f"No user {target}.")
    return user
