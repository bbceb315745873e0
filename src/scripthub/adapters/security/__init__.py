"""Password hashing, access tokens and the common-password list."""

from __future__ import annotations

from scripthub.adapters.security.bcrypt_hasher import BcryptPasswordHasher
from scripthub.adapters.security.common_passwords import load_common_passwords
from scripthub.adapters.security.jwt_tokens import JwtAccessTokens

__all__ = ["BcryptPasswordHasher", "JwtAccessTokens", "load_common_passwords"]
