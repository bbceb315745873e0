"""Opaque secrets handed to clients (refresh tokens, mailed links): only hashes are kept."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits


def new_opaque_token() -> tuple[str, str]:
    """A fresh URL-safe token and the hash that is all a store ever keeps."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # The tokens carry 256 bits of entropy, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
