"""Google's id_token, verified with PyJWT against Google's published keys (JWKS).

PyJWT, and cryptography with it, is imported by the first id_token or key set to read, not by
every worker (pyproject TID253): about 9 MiB of resident memory a worker that signs nobody in
with Google does not need."""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scripthub.adapters.oauth.calls import ProviderCallError, ProviderHttp

if TYPE_CHECKING:
    import jwt

JWKS_MAX_AGE = 3600.0
"""Seconds a fetched key set is trusted before it is fetched again: a key the provider
withdrew stops verifying tokens within this time."""
CLOCK_SKEW = 60
"""Seconds of difference between our clock and the provider's that `exp` and `iat` allow."""
_ALGORITHMS = ["RS256"]


class JwksCache:
    """The key set at `url`, fetched at first use, again after `JWKS_MAX_AGE`, and again
    (once per lookup) when a token names a key id the cached set has not: how key rotation
    reaches us."""

    def __init__(
        self, http: ProviderHttp, url: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._http = http
        self._url = url
        self._clock = clock
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at = 0.0
        self._refresh = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        keys = self._fresh_keys()
        if keys is None or not _has(keys, kid):
            keys = await self._fetch(stale=keys)
        if not _has(keys, kid):
            raise ProviderCallError("id_token", "signed by a key that is not in the JWKS")
        return keys[kid]

    def _fresh_keys(self) -> jwt.PyJWKSet | None:
        if self._keys is None or self._clock() - self._fetched_at > JWKS_MAX_AGE:
            return None
        return self._keys

    async def _fetch(self, stale: jwt.PyJWKSet | None) -> jwt.PyJWKSet:
        async with self._refresh:
            if self._keys is not None and self._keys is not stale and self._fresh_keys():
                return self._keys  # another lookup fetched while this one waited
            payload = await self._http.get_object("jwks", self._url)
            import jwt

            try:
                keys = jwt.PyJWKSet.from_dict(payload)
            except jwt.PyJWTError as error:
                raise ProviderCallError("jwks", f"unusable key set ({error})") from None
            self._keys, self._fetched_at = keys, self._clock()
            return keys


def _has(keys: jwt.PyJWKSet, kid: str) -> bool:
    return any(key.key_id == kid for key in keys)


class IdTokenVerifier:
    """Checks an OpenID Connect id_token: RS256 signature by a key of the provider's JWKS,
    `iss`, `aud` (our client id), `exp`, `iat`, and the `nonce` our authorize URL sent."""

    def __init__(self, keys: JwksCache, issuer: str, client_id: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._client_id = client_id

    async def claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        import jwt

        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise ProviderCallError("id_token", "is not a JWT") from None
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise ProviderCallError("id_token", "names no signing key (kid)")
        key = await self._keys.key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=_ALGORITHMS,
                audience=self._client_id,
                issuer=self._issuer,
                leeway=CLOCK_SKEW,
                options={"require": ["iss", "aud", "sub", "exp", "iat"]},
            )
        except jwt.PyJWTError as error:
            raise ProviderCallError("id_token", f"does not verify ({error})") from None
        several_audiences = isinstance(claims["aud"], list) and len(claims["aud"]) > 1
        if several_audiences and claims.get("azp") != self._client_id:
            raise ProviderCallError("id_token", "was issued to another party (azp)")
        sent_back = claims.get("nonce")
        if not isinstance(sent_back, str) or not hmac.compare_digest(
            sent_back.encode(), nonce.encode()
        ):
            raise ProviderCallError("id_token", "carries another nonce than the one sent")
        return claims
