"""Our app as registered at a provider: its credentials and the provider's endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.domain.providers import Provider

SCOPES: dict[Provider, str] = {
    Provider.DISCORD: "identify email",
    Provider.GOOGLE: "openid email profile",
    Provider.GITHUB: "read:user user:email",
}


@dataclass(frozen=True)
class ProviderRegistration:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    emails_url: str | None = None
    """GitHub's list of the user's addresses (the user endpoint shows only a public one)."""
    jwks_url: str | None = None
    """Google's signing keys for the id_token."""
    issuer: str | None = None
    """The `iss` Google's id_token must carry."""

    def __repr__(self) -> str:
        # The secret must not reach a log through a repr.
        return f"ProviderRegistration(client_id={self.client_id!r}, token_url={self.token_url!r})"
