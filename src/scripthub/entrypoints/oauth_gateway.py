"""The OAuth gateway of a process: built from the settings' providers, its failures counted."""

from __future__ import annotations

from prometheus_client import Counter

from scripthub.adapters.oauth.gateway import HttpOAuthGateway
from scripthub.adapters.oauth.registration import ProviderRegistration
from scripthub.domain.providers import Provider
from scripthub.entrypoints.settings import Settings

OAUTH_PROVIDER_ERRORS = Counter(
    "scripthub_oauth_provider_errors_total",
    "Sign-ins a provider failed: down, slow, refusing, garbled, or a token that does not verify",
    ["provider", "stage"],
)


def count_provider_error(provider: Provider, stage: str) -> None:
    OAUTH_PROVIDER_ERRORS.labels(provider.value, stage).inc()


def provider_registrations(settings: Settings) -> dict[Provider, ProviderRegistration]:
    return {Provider(name): registration for name, registration in settings.oauth.items()}


def oauth_gateway_for(settings: Settings) -> HttpOAuthGateway:
    """A gateway for the providers with credentials (none configured: a gateway with none)."""
    return HttpOAuthGateway(provider_registrations(settings), on_failure=count_provider_error)
