"""The OAuthGateway over HTTP: Discord, Google and GitHub, as configured."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Protocol
from urllib.parse import urlencode

from scripthub.adapters.oauth.calls import PROVIDER_CALL_DEADLINE, ProviderCallError, ProviderHttp
from scripthub.adapters.oauth.discord import DiscordIdentities
from scripthub.adapters.oauth.exchange import CodeGrant
from scripthub.adapters.oauth.github import GitHubIdentities
from scripthub.adapters.oauth.google import GoogleIdentities
from scripthub.adapters.oauth.id_tokens import IdTokenVerifier, JwksCache
from scripthub.adapters.oauth.registration import SCOPES, ProviderRegistration
from scripthub.application.ports.oauth import AuthorizationRequest, ProviderIdentity
from scripthub.domain.errors import OAuthError
from scripthub.domain.providers import Provider

logger = logging.getLogger("scripthub.oauth")

FailureReport = Callable[[Provider, str], None]
"""Told of each failed provider call: the provider and the stage (token, user, emails, jwks,
id_token), e.g. to count it."""


class _Identities(Protocol):
    async def identity(self, grant: CodeGrant) -> ProviderIdentity: ...


class HttpOAuthGateway:
    """Speaks to each configured provider over one shared httpx client (`aclose` it at
    shutdown). Every provider call has a deadline (`PROVIDER_CALL_DEADLINE`); every failure is
    logged (a warning naming the provider, the stage and what failed, never a secret or a
    token), reported to `on_failure`, and raised as OAuthError."""

    def __init__(
        self,
        registrations: Mapping[Provider, ProviderRegistration],
        *,
        on_failure: FailureReport,
        call_deadline: float = PROVIDER_CALL_DEADLINE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registrations = dict(registrations)
        self._on_failure = on_failure
        self._http = ProviderHttp(call_deadline)
        self._identities = {
            provider: self._identities_of(provider, registration, clock)
            for provider, registration in self._registrations.items()
        }

    def configured(self) -> frozenset[Provider]:
        return frozenset(self._registrations)

    def authorize_url(self, request: AuthorizationRequest) -> str:
        registration = self._registration(request.provider)
        query = {
            "client_id": registration.client_id,
            "redirect_uri": request.redirect_uri,
            "response_type": "code",
            "scope": SCOPES[request.provider],
            "state": request.state,
            "code_challenge": request.code_challenge,
            "code_challenge_method": "S256",
        }
        if request.provider is Provider.GOOGLE:
            query["nonce"] = request.nonce
        separator = "&" if "?" in registration.authorize_url else "?"
        return f"{registration.authorize_url}{separator}{urlencode(query)}"

    async def identity(
        self, provider: Provider, code: str, code_verifier: str, nonce: str, redirect_uri: str
    ) -> ProviderIdentity:
        identities = self._identities.get(provider)
        if identities is None:
            raise OAuthError(f"{provider} is not configured")
        try:
            return await identities.identity(CodeGrant(code, code_verifier, nonce, redirect_uri))
        except ProviderCallError as error:
            logger.warning("%s sign-in failed at %s: %s", provider, error.stage, error.detail)
            self._on_failure(provider, error.stage)
            raise OAuthError(f"{provider} {error.stage} {error.detail}") from None

    async def aclose(self) -> None:
        await self._http.aclose()

    def _registration(self, provider: Provider) -> ProviderRegistration:
        registration = self._registrations.get(provider)
        if registration is None:
            raise OAuthError(f"{provider} is not configured")
        return registration

    def _identities_of(
        self, provider: Provider, registration: ProviderRegistration, clock: Callable[[], float]
    ) -> _Identities:
        if provider is Provider.DISCORD:
            return DiscordIdentities(self._http, registration)
        if provider is Provider.GITHUB:
            return GitHubIdentities(self._http, registration)
        if provider is Provider.GOOGLE:
            if registration.jwks_url is None or registration.issuer is None:
                raise ValueError("Google needs its JWKS URL and issuer")
            keys = JwksCache(self._http, registration.jwks_url, clock)
            verifier = IdTokenVerifier(keys, registration.issuer, registration.client_id)
            return GoogleIdentities(self._http, registration, verifier)
        raise ValueError(f"{provider} is not an OAuth provider")
