"""Start linking a provider to one's own account."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.oauth.flows import FlowStarter, StartedFlow, configured_provider
from scripthub.application.ports.oauth import OAuthGateway


@dataclass(frozen=True)
class StartProviderLinkCommand:
    principal: Principal
    provider: str


class StartProviderLink:
    """A flow whose callback links the identity to the caller's account instead of signing
    in (NotFoundError for a provider without credentials)."""

    def __init__(self, gateway: OAuthGateway, starter: FlowStarter) -> None:
        self._gateway = gateway
        self._starter = starter

    async def execute(self, command: StartProviderLinkCommand) -> StartedFlow:
        provider = configured_provider(self._gateway, command.provider)
        return await self._starter.start(provider, linking_user_id=command.principal.user_id)
