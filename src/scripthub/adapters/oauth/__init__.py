"""Signing in with Discord, Google and GitHub over HTTP (httpx, and PyJWT for Google's
id_token)."""

from __future__ import annotations

from scripthub.adapters.oauth.calls import PROVIDER_CALL_DEADLINE, PROVIDER_CONNECT_TIMEOUT
from scripthub.adapters.oauth.gateway import FailureReport, HttpOAuthGateway
from scripthub.adapters.oauth.id_tokens import JWKS_MAX_AGE
from scripthub.adapters.oauth.registration import SCOPES, ProviderRegistration

__all__ = [
    "JWKS_MAX_AGE",
    "PROVIDER_CALL_DEADLINE",
    "PROVIDER_CONNECT_TIMEOUT",
    "SCOPES",
    "FailureReport",
    "HttpOAuthGateway",
    "ProviderRegistration",
]
