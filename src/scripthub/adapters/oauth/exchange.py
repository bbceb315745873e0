"""The authorization-code grant with PKCE (RFC 6749 4.1.3, RFC 7636 4.5), common to the three
providers. Plain httpx, not Authlib's httpx client: importing that one warns (it wants the
`httpx2` package) and turns every Authlib deprecation into an always-shown warning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripthub.adapters.oauth import fields
from scripthub.adapters.oauth.calls import ProviderHttp
from scripthub.adapters.oauth.registration import ProviderRegistration


@dataclass(frozen=True)
class CodeGrant:
    """What the callback brought and the flow kept: the code, and what it must be sent with."""

    code: str
    code_verifier: str
    nonce: str
    redirect_uri: str


async def exchange_code(
    http: ProviderHttp, registration: ProviderRegistration, grant: CodeGrant
) -> dict[str, Any]:
    """The token answer (access_token, and Google's id_token). The client authenticates with
    its secret in the form (`client_secret_post`), which all three providers take."""
    return await http.post_form(
        "token",
        registration.token_url,
        {
            "grant_type": "authorization_code",
            "code": grant.code,
            "redirect_uri": grant.redirect_uri,
            "code_verifier": grant.code_verifier,
            "client_id": registration.client_id,
            "client_secret": registration.client_secret,
        },
    )


async def exchange_for_user(
    http: ProviderHttp, registration: ProviderRegistration, grant: CodeGrant
) -> tuple[str, dict[str, Any]]:
    """The access token, and the user its owner is at the provider's user endpoint."""
    token = fields.access_token(await exchange_code(http, registration, grant))
    return token, await http.get_object("user", registration.userinfo_url, token)
