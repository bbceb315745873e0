"""Opaque secrets handed to clients (refresh tokens, mailed links): only hashes are kept."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits


def new_opaque_token() -> tuple[str, str]:
    """A fresh URL-safe token and the hash that is all a store ever keeps."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # The tokens carry 256 bits of entropy, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def successor_token(token: str, key: bytes) -> str:
    """The refresh token that replaces `token` when it is rotated.

    Derived, not drawn: two concurrent refreshes of one token agree on its successor, so
    the one that loses the race can be given the very token the winner got, though only
    hashes are stored. Keyed, so that holding a rotated token does not reveal its successor.
    """
    digest = hmac.digest(key, token.encode("utf-8", "surrogatepass"), "sha256")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
