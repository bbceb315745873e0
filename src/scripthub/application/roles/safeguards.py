"""Rules that keep the role system repairable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.errors import ConflictError
from scripthub.domain.roles import LOCKOUT_PERMISSION

T = TypeVar("T")


async def keeping_roles_manageable(uow: UnitOfWork, change: Callable[[], Awaitable[T]]) -> T:
    """Stage `change`, refusing it (ConflictError) if it takes `roles.manage` from the last
    active user who had it. A system that already has no such user (a fresh install) is not
    made worse by anything, so nothing is refused there."""
    holders_before = await uow.roles.count_active_holders(LOCKOUT_PERMISSION.name)
    result = await change()
    if holders_before and not await uow.roles.count_active_holders(LOCKOUT_PERMISSION.name):
        raise ConflictError(
            f"This would leave no active user with '{LOCKOUT_PERMISSION.name}': nobody could "
            "manage roles any more."
        )
    return result
