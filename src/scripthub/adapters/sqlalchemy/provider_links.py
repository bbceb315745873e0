"""The `auth_providers` table (the sign-in methods linked to each account), its rows as
provider links and back, and `ProviderLinkRepository` over it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.columns import JsonDocument, timestamps, user_fk
from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.metadata import metadata
from scripthub.adapters.sqlalchemy.rows import names_by_user, without_nul
from scripthub.adapters.sqlalchemy.utc import UtcDateTime
from scripthub.application.ports.provider_links import LinkRemoval
from scripthub.domain.providers import Provider, ProviderLink

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.rows import ColumnValues
    from scripthub.adapters.sqlalchemy.statements import Statements

auth_providers = Table(
    "auth_providers",
    metadata,
    Column("id", Uuid(), primary_key=True),
    # The unique constraint on (user_id, provider) is the index of the foreign key.
    user_fk(index=False),
    Column("provider", String(16), nullable=False),
    Column("provider_user_id", Text(), nullable=False),
    Column("email", Text()),
    Column("provider_data", JsonDocument, nullable=False),
    Column("linked_at", UtcDateTime(), nullable=False),
    *timestamps(),
    CheckConstraint("provider IN ('email', 'discord', 'google', 'github')", name="provider"),
    UniqueConstraint("provider", "provider_user_id"),
    UniqueConstraint("user_id", "provider"),
)


def provider_link_values(link: ProviderLink) -> dict[str, Any]:
    return without_nul(
        {
            "id": link.id,
            "user_id": link.user_id,
            "provider": link.provider.value,
            "provider_user_id": link.provider_user_id,
            "email": link.email,
            "provider_data": link.provider_data,
            "linked_at": link.linked_at,
            "created_at": link.linked_at,
            "updated_at": link.linked_at,
        }
    )


def provider_link_from_row(row: ColumnValues) -> ProviderLink:
    return ProviderLink(
        id=row["id"],
        user_id=row["user_id"],
        provider=Provider(row["provider"]),
        provider_user_id=row["provider_user_id"],
        email=row["email"],
        linked_at=row["linked_at"],
        provider_data=dict(row["provider_data"]),
    )


_LINKS_OF = (
    select(auth_providers)
    .where(auth_providers.c.user_id == bindparam("of_user"))
    .order_by(auth_providers.c.linked_at, auth_providers.c.id)
)


class SqlAlchemyProviderLinkRepository:
    """The sign-in methods linked to each account."""

    def __init__(self, connection: AsyncConnection, statements: Statements) -> None:
        self._connection = connection
        self._statements = statements

    async def add(self, link: ProviderLink) -> None:
        try:
            await self._connection.execute(
                insert(auth_providers).values(provider_link_values(link))
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error

    async def find(self, provider: Provider, provider_user_id: str) -> ProviderLink | None:
        result = await self._connection.execute(
            select(auth_providers).where(
                auth_providers.c.provider == provider.value,
                auth_providers.c.provider_user_id == provider_user_id,
            )
        )
        row = result.mappings().first()
        return None if row is None else provider_link_from_row(row)

    async def remove(self, user_id: uuid.UUID, provider: Provider) -> LinkRemoval:
        of_user = auth_providers.c.user_id == user_id
        if self._connection.dialect.name == "postgresql":
            # Lock the account's links: a concurrent removal waits for this transaction, and
            # its DELETE then counts what this one left. (SQLite's one writer at a time does
            # the same for the DELETE below, as long as nothing is read before it.)
            await self._connection.execute(
                select(auth_providers.c.id).where(of_user).with_for_update()
            )
        others = select(func.count()).select_from(auth_providers).where(of_user).scalar_subquery()
        removed = await self._connection.execute(
            delete(auth_providers)
            .where(of_user, auth_providers.c.provider == provider.value, others > 1)
            .returning(auth_providers.c.id)
        )
        if removed.first() is not None:
            return LinkRemoval.REMOVED
        held = await self._connection.execute(select(auth_providers.c.provider).where(of_user))
        if provider.value in held.scalars().all():
            return LinkRemoval.LAST_METHOD
        return LinkRemoval.NOT_LINKED

    async def set_email(
        self, user_id: uuid.UUID, provider: Provider, email: str, at: datetime
    ) -> None:
        await self._connection.execute(
            update(auth_providers)
            .where(auth_providers.c.user_id == user_id, auth_providers.c.provider == provider.value)
            .values(email=email, updated_at=at)
        )

    async def list_for_user(self, user_id: uuid.UUID) -> list[ProviderLink]:
        rows = await self._statements.all(_LINKS_OF, {"of_user": user_id})
        return [provider_link_from_row(row) for row in rows]

    async def provider_names_of_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        result = await self._connection.execute(
            select(auth_providers.c.user_id, auth_providers.c.provider).where(
                auth_providers.c.user_id.in_(user_ids)
            )
        )
        return names_by_user(user_ids, result)
