"""The GitHub webhook's secret and signature.

GitHub signs each delivery with HMAC-SHA256 keyed by the secret, so the server needs the
secret itself, not a hash of it. It is not stored: it is derived from the server's webhook
key (itself derived from the JWT secret) and a random nonce kept per account, so the
database alone (a backup, a read replica) gives no one a secret. A new secret is a new
nonce; rotating the JWT secret changes every account's webhook secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

SECRET_PREFIX = "whs_"  # noqa: S105 - the prefix, not a secret
SIGNATURE_PREFIX = "sha256="
HINT_LENGTH = 4
MAX_PAYLOAD_BYTES = 1024 * 1024
"""A larger delivery is refused (413) before its signature is checked."""
_DUMMY_NONCE = "no secret set"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def webhook_secret(key: bytes, user_id: uuid.UUID, nonce: str) -> str:
    """The account's secret for this nonce: `whs_` and 43 URL-safe characters (256 bits)."""
    digest = hmac.digest(key, f"{user_id}:{nonce}".encode(), "sha256")
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def secret_hint(secret: str) -> str:
    """What the account's page shows of its secret: the last characters."""
    return "…" + secret[-HINT_LENGTH:]


def signature_matches(
    key: bytes, user_id: uuid.UUID, nonce: str | None, body: bytes, header: str | None
) -> bool:
    """Whether `header` (X-Hub-Signature-256) is `sha256=` and the HMAC-SHA256 of `body` under
    the account's secret, compared in constant time. Without a nonce (no secret set) the same
    work is done against a secret nobody has, so timing does not say whether one is set."""
    secret = webhook_secret(key, user_id, _DUMMY_NONCE if nonce is None else nonce)
    expected = SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = (header or "").strip().encode("ascii", "replace")
    return hmac.compare_digest(expected.encode(), given) and nonce is not None
