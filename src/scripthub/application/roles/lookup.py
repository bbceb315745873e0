"""Finding a role that must exist."""

from __future__ import annotations

from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.errors import NotFoundError
from scripthub.domain.roles import Role, is_role_name


async def existing_role(uow: UnitOfWork, name: str) -> Role:
    role = await uow.roles.get(name) if is_role_name(name) else None
    if role is None:
        raise NotFoundError(f"No role named {name!r}.")
    return role
