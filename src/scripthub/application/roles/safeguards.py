"""Rules that keep the role system repairable."""

from __future__ import annotations

from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.errors import ConflictError
from scripthub.domain.roles import LOCKOUT_PERMISSION


async def ensure_roles_stay_manageable(uow: UnitOfWork) -> None:
    """Call after staging a change, before commit: refuse the change (ConflictError) if no
    active user would still hold `roles.manage`."""
    if await uow.roles.count_active_holders(LOCKOUT_PERMISSION) == 0:
        raise ConflictError(
            f"This would leave no active user with '{LOCKOUT_PERMISSION}': nobody could "
            "manage roles any more."
        )
