"""Start signing in with a provider: the browser goes to its consent page."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.oauth.flows import FlowStarter, StartedFlow, configured_provider
from scripthub.application.ports.oauth import OAuthGateway
from scripthub.domain.oauth import check_redirect_to


@dataclass(frozen=True)
class StartOAuthSignInCommand:
    provider: str
    redirect_to: str | None = None
    """A path on the frontend to land on once signed in."""


class StartOAuthSignIn:
    """A new flow for `provider` (NotFoundError if it has no credentials; BadRequestError for
    a `redirect_to` that is not a path on the frontend)."""

    def __init__(self, gateway: OAuthGateway, starter: FlowStarter) -> None:
        self._gateway = gateway
        self._starter = starter

    async def execute(self, command: StartOAuthSignInCommand) -> StartedFlow:
        provider = configured_provider(self._gateway, command.provider)
        redirect_to = None
        if command.redirect_to is not None:
            redirect_to = check_redirect_to(command.redirect_to)
        return await self._starter.start(provider, redirect_to=redirect_to)
