"""HS256 JWT access tokens (RFC 7519), signed and read with the standard library.

PyJWT is not used here: it imports cryptography whenever that is installed (Authlib needs
it), about 9 MiB of every worker's resident memory for algorithms an HS256 token never uses
(bench/README.md, start-up). The tokens are byte for byte PyJWT's, and read as PyJWT reads
them (`tests/unit/test_security_adapters.py` holds both to it); PyJWT still verifies the
providers' RS256 id_tokens (`adapters/oauth/id_tokens.py`), loaded by a sign-in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import TYPE_CHECKING, Any

from scripthub.application.ports.security import AccessClaims, IssuedAccessToken
from scripthub.domain.errors import InvalidTokenError, TokenExpiredError

if TYPE_CHECKING:
    from scripthub.application.ports.system import Clock

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
REQUIRED_CLAIMS = ("iss", "aud", "sub", "sid", "iat", "exp", "jti")


def _segment(data: bytes) -> str:
    """base64url without padding (RFC 7515, section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_segment(value: dict[str, Any]) -> str:
    return _segment(json.dumps(value, separators=(",", ":")).encode())


_HEADER = _json_segment({"alg": ALGORITHM, "typ": "JWT"})


class _RejectedError(Exception):
    """The token is not one of ours, or not well-formed."""


def _decoded_object(segment: str) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError) as error:
        raise _RejectedError from error
    if not isinstance(decoded, dict):
        raise _RejectedError
    return decoded


def _seconds(claims: dict[str, Any], name: str) -> int:
    try:
        return int(claims[name])
    except (TypeError, ValueError) as error:
        raise _RejectedError from error


class JwtAccessTokens:
    """`AccessTokens` as HS256-signed JWTs.

    Claims: `iss`, `aud`, `sub` (user id), `sid` (session id), `iat`, `exp` and a random `jti`.
    Reading accepts HS256 only, so `alg: none` and tokens signed with any other algorithm are
    rejected, and every claim above must be present and well-formed.

    Args:
        secret: the HMAC key, at least 32 bytes (RFC 7518 asks for a key as long as the hash).
        ttl_seconds: lifetime of an issued token.
        issuer: the `iss` written and required.
        audience: the `aud` written and required.
        clock: gives `iat` and `exp` when issuing. Reading checks `exp` against real time.
    """

    def __init__(
        self,
        secret: str,
        ttl_seconds: int,
        issuer: str = "scripthub",
        audience: str = "scripthub-api",
        *,
        clock: Clock,
    ) -> None:
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            msg = f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes"
            raise ValueError(msg)
        if ttl_seconds <= 0:
            msg = f"ttl_seconds must be positive, got {ttl_seconds}"
            raise ValueError(msg)
        self._secret = secret
        self._ttl = ttl_seconds
        self._issuer = issuer
        self._audience = audience
        self._clock = clock

    def issue(self, user_id: uuid.UUID, session_id: uuid.UUID) -> IssuedAccessToken:
        issued_at = int(self._clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "sid": str(session_id),
            "iat": issued_at,
            "exp": issued_at + self._ttl,
            "jti": secrets.token_urlsafe(16),
        }
        signing_input = f"{_HEADER}.{_json_segment(claims)}"
        token = f"{signing_input}.{self._signature(signing_input)}"
        return IssuedAccessToken(token=token, expires_in=self._ttl)

    def read(self, token: str) -> AccessClaims:
        """Verify and decode. Raises TokenExpiredError or InvalidTokenError."""
        try:
            claims = self._verified_claims(token)
            now = time.time()
            # PyJWT's order: the claims are there, issued and valid by now, unexpired, ours.
            if any(claims.get(name) is None for name in REQUIRED_CLAIMS):
                raise _RejectedError
            if _seconds(claims, "iat") > now or ("nbf" in claims and _seconds(claims, "nbf") > now):
                raise _RejectedError
            if _seconds(claims, "exp") <= now:
                raise TokenExpiredError("The access token has expired.")
            audiences = [claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"]
            if (
                claims["iss"] != self._issuer
                or not isinstance(audiences, list)
                or not all(isinstance(audience, str) for audience in audiences)
                or self._audience not in audiences
                or not isinstance(claims["jti"], str)
            ):
                raise _RejectedError
        except _RejectedError as error:
            raise InvalidTokenError("The access token is invalid.") from error
        return AccessClaims(
            user_id=_parse_uuid(claims["sub"]), session_id=_parse_uuid(claims["sid"])
        )

    def _signature(self, signing_input: str) -> str:
        mac = hmac.new(self._secret.encode(), signing_input.encode(), hashlib.sha256)
        return _segment(mac.digest())

    def _verified_claims(self, token: str) -> dict[str, Any]:
        """The claims of a token signed with this secret, with an HS256 header and no
        extension it would have to understand (`crit`)."""
        signing_input, _, signature = token.rpartition(".")
        header, _, payload = signing_input.partition(".")
        if not payload or not signing_input.isascii():
            raise _RejectedError
        if not hmac.compare_digest(signature.encode(), self._signature(signing_input).encode()):
            raise _RejectedError
        fields = _decoded_object(header)
        if fields.get("alg") != ALGORITHM or "crit" in fields:
            raise _RejectedError
        return _decoded_object(payload)


def _parse_uuid(value: object) -> uuid.UUID:
    # Only the canonical form is accepted: we never issue braces, URNs or upper case.
    try:
        parsed = uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != value:
        raise InvalidTokenError("The access token is invalid.")
    return parsed
