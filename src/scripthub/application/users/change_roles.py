"""Operator-side account management used by the CLI: create users, grant and revoke roles."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.audit import audit_entry
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.users import normalize_email


@dataclass(frozen=True)
class RoleChange:
    email: str
    role: str
    grant: bool
    actor: str = "cli"
    context: RequestContext = RequestContext()


class ChangeUserRole:
    """Grant or revoke one role by email; returns the user's roles afterwards."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, change: RoleChange) -> list[str]:
        email = normalize_email(change.email)
        async with self._uow as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                raise NotFoundError(f"No account with email {email}.")
            if await uow.roles.get(change.role) is None:
                raise NotFoundError(f"No role named {change.role!r}.")
            if change.grant:
                changed = await uow.roles.assign(user.id, change.role)
            else:
                changed = await uow.roles.revoke(user.id, change.role)
            if changed:
                await uow.audit.record(
                    audit_entry(
                        self._clock,
                        "role.assigned" if change.grant else "role.revoked",
                        change.context,
                        actor_id=None,
                        resource_type="user",
                        resource_id=user.id,
                        metadata={"role": change.role, "actor": change.actor},
                    )
                )
            roles = await uow.roles.roles_of(user.id)
            await uow.commit()
        return roles
