"""`ProviderLinkRepository` over `auth_providers`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.mapping import (
    names_by_user,
    provider_link_from_row,
    provider_link_values,
)
from scripthub.adapters.sqlalchemy.tables import auth_providers

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.domain.providers import ProviderLink


class SqlAlchemyProviderLinkRepository:
    """The sign-in methods linked to each account."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, link: ProviderLink) -> None:
        try:
            await self._connection.execute(
                insert(auth_providers).values(provider_link_values(link))
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error

    async def list_for_user(self, user_id: uuid.UUID) -> list[ProviderLink]:
        result = await self._connection.execute(
            select(auth_providers)
            .where(auth_providers.c.user_id == user_id)
            .order_by(auth_providers.c.linked_at, auth_providers.c.id)
        )
        return [provider_link_from_row(row) for row in result.mappings()]

    async def provider_names_of_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        result = await self._connection.execute(
            select(auth_providers.c.user_id, auth_providers.c.provider).where(
                auth_providers.c.user_id.in_(user_ids)
            )
        )
        return names_by_user(user_ids, result)
