"""HS256 JWT access tokens with PyJWT."""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING, Any

import jwt

from scripthub.application.ports.security import AccessClaims, IssuedAccessToken
from scripthub.domain.errors import InvalidTokenError, TokenExpiredError

if TYPE_CHECKING:
    from scripthub.application.ports.system import Clock

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
REQUIRED_CLAIMS = ("iss", "aud", "sub", "sid", "iat", "exp", "jti")


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
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedAccessToken(token=token, expires_in=self._ttl)

    def read(self, token: str) -> AccessClaims:
        """Verify and decode. Raises TokenExpiredError or InvalidTokenError."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpiredError("The access token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise InvalidTokenError("The access token is invalid.") from exc
        return AccessClaims(
            user_id=_parse_uuid(claims["sub"]), session_id=_parse_uuid(claims["sid"])
        )


def _parse_uuid(value: object) -> uuid.UUID:
    # Only the canonical form is accepted: we never issue braces, URNs or upper case.
    try:
        parsed = uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != value:
        raise InvalidTokenError("The access token is invalid.")
    return parsed
