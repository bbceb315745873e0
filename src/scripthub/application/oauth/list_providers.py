"""List the provider identities linked to one's own account."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.oauth.flows import OAUTH_PROVIDERS
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.providers import ProviderLink


@dataclass(frozen=True)
class ListOwnProvidersQuery:
    principal: Principal


class ListOwnProviders:
    """The caller's linked Discord, Google and GitHub identities, oldest first (the `email`
    method, a password, is not a provider identity)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, query: ListOwnProvidersQuery) -> list[ProviderLink]:
        async with self._uow_factory() as uow:
            links = await uow.provider_links.list_for_user(query.principal.user_id)
        return [link for link in links if link.provider in OAUTH_PROVIDERS]
