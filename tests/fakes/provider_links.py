"""Provider links in an `InMemoryDatabase`."""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING

from scripthub.application.ports.provider_links import LinkRemoval
from scripthub.domain.errors import NotFoundError
from tests.fakes.database import check_link_is_unique

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from scripthub.domain.providers import Provider, ProviderLink
    from tests.fakes.database import InMemoryDatabase, Writing


class InMemoryProviderLinkRepository:
    """`ProviderLinkRepository` over the private copy of an `InMemoryUnitOfWork`."""

    def __init__(self, database: InMemoryDatabase, writing: Writing) -> None:
        self._database = database
        self._writing = writing

    async def add(self, link: ProviderLink) -> None:
        await self._writing()
        if link.user_id not in self._database.users:
            raise NotFoundError(f"user {link.user_id} does not exist")
        check_link_is_unique(self._database.provider_links, link)
        self._database.provider_links[link.id] = copy.deepcopy(link)

    async def find(self, provider: Provider, provider_user_id: str) -> ProviderLink | None:
        for link in self._database.provider_links.values():
            if (link.provider, link.provider_user_id) == (provider, provider_user_id):
                return copy.deepcopy(link)
        return None

    async def remove(self, user_id: uuid.UUID, provider: Provider) -> LinkRemoval:
        await self._writing()
        links = self._database.provider_links
        held = {link.provider: link.id for link in links.values() if link.user_id == user_id}
        if provider not in held:
            return LinkRemoval.NOT_LINKED
        if len(held) == 1:
            return LinkRemoval.LAST_METHOD
        del links[held[provider]]
        return LinkRemoval.REMOVED

    async def set_email(
        self, user_id: uuid.UUID, provider: Provider, email: str, at: datetime
    ) -> None:
        await self._writing()
        links = self._database.provider_links
        for link in list(links.values()):
            if (link.user_id, link.provider) == (user_id, provider):
                links[link.id] = dataclasses.replace(link, email=email)

    async def list_for_user(self, user_id: uuid.UUID) -> list[ProviderLink]:
        links = [link for link in self._database.provider_links.values() if link.user_id == user_id]
        return copy.deepcopy(sorted(links, key=lambda link: link.linked_at))

    async def provider_names_of_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        links = self._database.provider_links.values()
        return {
            user_id: sorted({link.provider.value for link in links if link.user_id == user_id})
            for user_id in user_ids
        }
