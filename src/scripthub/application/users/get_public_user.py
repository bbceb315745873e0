"""Read another user's public profile."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.domain.errors import NotFoundError
from scripthub.domain.users import USERNAME_PATTERN, User


@dataclass(frozen=True)
class GetPublicUserQuery:
    id_or_username: str


class GetPublicUser:
    """Look a user up by id or username; only active accounts are public."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, query: GetPublicUserQuery) -> User:
        async with self._uow_factory() as uow:
            user = await self._find(uow, query.id_or_username)
        if user is None or not user.is_active:
            raise NotFoundError("User not found.")
        return user

    @staticmethod
    async def _find(uow: UnitOfWork, id_or_username: str) -> User | None:
        try:
            user_id = uuid.UUID(id_or_username)
        except ValueError:
            username = id_or_username.strip().lower()
            if not USERNAME_PATTERN.match(username):
                return None
            return await uow.users.get_by_username(username)
        return await uow.users.get(user_id)
