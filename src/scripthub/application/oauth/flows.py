"""What starting a flow and finishing one share: which providers exist, the flow's secrets,
and the redirect URI the provider sends the browser back to."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from scripthub.application.ports.oauth import (
    AuthorizationRequest,
    OAuthFlow,
    OAuthFlowStore,
    OAuthGateway,
)
from scripthub.domain.errors import NotFoundError
from scripthub.domain.oauth import code_challenge
from scripthub.domain.providers import Provider

OAUTH_PROVIDERS = frozenset({Provider.DISCORD, Provider.GOOGLE, Provider.GITHUB})


def configured_provider(gateway: OAuthGateway, name: str) -> Provider:
    """The provider `name` names, if it has credentials; NotFoundError otherwise (the routes
    of an unknown or unconfigured provider do not exist)."""
    try:
        provider = Provider(name)
    except ValueError:
        provider = None
    if provider not in OAUTH_PROVIDERS or provider not in gateway.configured():
        raise NotFoundError("No such sign-in provider.")
    return provider


def browser_binding(browser_secret: str) -> str:
    return hashlib.sha256(browser_secret.encode()).hexdigest()


def is_bound_browser(browser_secret: str | None, binding: str) -> bool:
    """Whether the secret a request brought (its cookie; None without one) is the one that
    `binding` was made from, compared in constant time."""
    return hmac.compare_digest(browser_binding(browser_secret or ""), binding)


@dataclass(frozen=True)
class StartedFlow:
    authorize_url: str
    state: str
    browser_secret: str
    """For the starting browser alone (a cookie): the callback must bring it back."""


class FlowStarter:
    """Begins flows: random state, PKCE verifier, nonce and browser secret, the flow kept in
    the store under its state, and the provider's consent URL."""

    def __init__(self, gateway: OAuthGateway, flows: OAuthFlowStore, public_url: str) -> None:
        self._gateway = gateway
        self._flows = flows
        self._public_url = public_url

    def redirect_uri(self, provider: Provider) -> str:
        return f"{self._public_url}/api/auth/{provider}/callback"

    async def start(
        self,
        provider: Provider,
        redirect_to: str | None = None,
        linking_user_id: uuid.UUID | None = None,
    ) -> StartedFlow:
        state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
        nonce, browser_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        flow = OAuthFlow(
            provider=provider,
            code_verifier=verifier,
            nonce=nonce,
            browser_binding=browser_binding(browser_secret),
            redirect_to=redirect_to,
            linking_user_id=linking_user_id,
        )
        await self._flows.begin(state, flow)
        request = AuthorizationRequest(
            provider, state, code_challenge(verifier), nonce, self.redirect_uri(provider)
        )
        return StartedFlow(self._gateway.authorize_url(request), state, browser_secret)
