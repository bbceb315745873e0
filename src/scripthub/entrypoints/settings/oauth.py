"""OAuth providers: credentials from SCRIPTHUB_OAUTH_*, endpoints defaulting to the provider's."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from scripthub.entrypoints.settings.model import OAuthProviderSettings
from scripthub.entrypoints.settings.parsers import PREFIX, http_url

OAUTH_PROVIDERS = ("discord", "google", "github")
OAUTH_DEFAULT_ENDPOINTS: dict[str, dict[str, str]] = {
    "discord": {
        "authorize_url": "https://discord.com/oauth2/authorize",
        "token_url": "https://discord.com/api/oauth2/token",
        "userinfo_url": "https://discord.com/api/users/@me",
    },
    "google": {
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "userinfo_url": "https://openidconnect.googleapis.com/v1/userinfo",
        "jwks_url": "https://www.googleapis.com/oauth2/v3/certs",
        "issuer": "https://accounts.google.com",
    },
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "userinfo_url": "https://api.github.com/user",
        "emails_url": "https://api.github.com/user/emails",
    },
}


def oauth_variable_names() -> set[str]:
    """Every SCRIPTHUB_OAUTH_* variable there is."""
    return {
        f"{PREFIX}OAUTH_{provider.upper()}_{name.upper()}"
        for provider, endpoints in OAUTH_DEFAULT_ENDPOINTS.items()
        for name in ("client_id", "client_secret", *endpoints)
    }


def oauth_providers(
    source: Mapping[str, str], errors: list[str]
) -> dict[str, OAuthProviderSettings]:
    """The providers with both credentials set; each problem is appended to `errors`."""
    configured: dict[str, OAuthProviderSettings] = {}
    for provider in OAUTH_PROVIDERS:
        key = f"{PREFIX}OAUTH_{provider.upper()}_"
        values = dict(OAUTH_DEFAULT_ENDPOINTS[provider])
        for name in ("client_id", "client_secret", *values):
            raw = source.get(f"{key}{name.upper()}")
            if raw is None:
                continue
            if name.endswith("_url"):
                try:
                    raw = http_url(raw)
                except ValueError as error:
                    errors.append(f"{key}{name.upper()} {error}")
            values[name] = raw
        has_id, has_secret = "client_id" in values, "client_secret" in values
        if has_id != has_secret:
            missing = "CLIENT_SECRET" if has_id else "CLIENT_ID"
            errors.append(f"{key}{missing} must be set together with the other credential")
        elif has_id:
            configured[provider] = msgspec.convert(values, OAuthProviderSettings)
    return configured
