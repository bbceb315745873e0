"""Google (OpenID Connect): who signed in is what the verified id_token says."""

from __future__ import annotations

from scripthub.adapters.oauth import fields
from scripthub.adapters.oauth.calls import ProviderCallError, ProviderHttp
from scripthub.adapters.oauth.exchange import CodeGrant, exchange_code
from scripthub.adapters.oauth.id_tokens import IdTokenVerifier
from scripthub.adapters.oauth.registration import ProviderRegistration
from scripthub.application.ports.oauth import ProviderIdentity
from scripthub.domain.providers import Provider


class GoogleIdentities:
    def __init__(
        self, http: ProviderHttp, registration: ProviderRegistration, verifier: IdTokenVerifier
    ) -> None:
        self._http = http
        self._registration = registration
        self._verifier = verifier

    async def identity(self, grant: CodeGrant) -> ProviderIdentity:
        tokens = await exchange_code(self._http, self._registration, grant)
        id_token = fields.text(tokens, "id_token")
        if id_token is None:
            raise ProviderCallError("token", "answered without an id_token")
        claims = await self._verifier.claims(id_token, grant.nonce)
        email = fields.text(claims, "email")
        return ProviderIdentity(
            provider=Provider.GOOGLE,
            provider_user_id=fields.user_id(claims, "sub", "id_token"),
            email=email,
            email_verified=email is not None and claims.get("email_verified") is True,
            login=None,
            name=fields.text(claims, "name"),
            avatar_url=fields.text(claims, "picture"),
        )
