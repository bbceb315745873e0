"""Signing in with an OAuth provider (Discord, Google, GitHub): the provider's side, and the
short-lived state of a flow between its start and its callback."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from scripthub.domain.providers import Provider

FLOW_LIFETIME = timedelta(minutes=10)
"""How long a started flow (its `state`) may be finished."""
EXCHANGE_CODE_LIFETIME = timedelta(seconds=60)
"""How long the one-time code the callback hands the frontend may be exchanged."""


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the provider's consent page is sent to: PKCE S256 and, for OpenID Connect
    providers (Google), the nonce its id_token must carry back."""

    provider: Provider
    state: str
    code_challenge: str
    """base64url(SHA-256(code_verifier)), without padding (RFC 7636 S256)."""
    nonce: str
    redirect_uri: str


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider says signed in."""

    provider: Provider
    provider_user_id: str
    email: str | None
    """None when the provider gives no usable email: Discord's only when Discord verified it,
    GitHub's primary one only when verified (API.md); Google's as Google gives it, with
    `email_verified` saying whether Google verified it."""
    email_verified: bool
    login: str | None
    """The provider's login or username (GitHub `login`, Discord `username`), if any."""
    name: str | None
    """The display name, if any."""
    avatar_url: str | None


class OAuthGateway(Protocol):
    """The providers with credentials, spoken to over HTTP."""

    def configured(self) -> frozenset[Provider]:
        """The providers that have credentials (the others are 404 at every route)."""

    def authorize_url(self, request: AuthorizationRequest) -> str:
        """The provider's consent page URL for this request (client id, redirect URI, scopes,
        state, code_challenge with method S256, and the nonce where the provider takes one)."""

    async def identity(
        self, provider: Provider, code: str, code_verifier: str, nonce: str, redirect_uri: str
    ) -> ProviderIdentity:
        """Exchange the code (with the PKCE verifier) and read who signed in: Google's
        id_token verified against its JWKS (signature, `iss`, `aud` = our client id, `exp`,
        `nonce`); GitHub's primary verified email from its emails endpoint; Discord's user.
        Raises OAuthError when the provider fails, is slow (every call has a deadline), or
        answers what does not verify; never anything else."""


@dataclass(frozen=True)
class OAuthFlow:
    """A started flow, kept under its `state` until the callback takes it."""

    provider: Provider
    code_verifier: str
    nonce: str
    browser_binding: str
    """SHA-256 (hex) of the random value the starting browser holds in a cookie: the callback
    must come from that browser (login CSRF)."""
    redirect_to: str | None = None
    """A path on the frontend to land on after signing in."""
    linking_user_id: uuid.UUID | None = None
    """Set when a signed-in user links this provider to their account."""


@dataclass(frozen=True)
class ExchangeGrant:
    """What a one-time exchange code is worth: a session for this user, signed in with this
    provider, in the browser that started the flow."""

    user_id: uuid.UUID
    provider: Provider
    browser_binding: str
    """The flow's `browser_binding`: only the browser holding that secret may exchange the
    code (another one could be signed in to an attacker's account: login CSRF)."""


class OAuthFlowStore(Protocol):
    """Started flows and issued exchange codes, each taken at most once, shared by every
    process of the store (a flow may end on another process than the one that started it).
    Keys are kept hashed: a store dump holds no usable state or code. Each method raises
    ServiceUnavailableError when the store cannot be reached."""

    async def begin(self, state: str, flow: OAuthFlow) -> None:
        """Keep `flow` under `state` for `FLOW_LIFETIME`."""

    async def take_flow(self, state: str) -> OAuthFlow | None:
        """The flow under `state`, removed in the same atomic step; None if there is none (never
        begun, taken already, or expired). Of concurrent takes of one state, one gets it."""

    async def issue(self, code: str, grant: ExchangeGrant) -> None:
        """Keep `grant` under the one-time `code` for `EXCHANGE_CODE_LIFETIME`."""

    async def redeem(self, code: str) -> ExchangeGrant | None:
        """The grant under `code`, removed in the same atomic step; None if there is none."""
