"""Password hashing, access tokens and the common-password list."""

from __future__ import annotations

from scripthub.adapters.security.bcrypt_hasher import BcryptPasswordHasher
from scripthub.adapters.security.common_passwords import load_common_passwords
from scripthub.adapters.security.host_slots import HostSlots, default_slot_directory
from scripthub.adapters.security.jwt_tokens import JwtAccessTokens

__all__ = [
    "BcryptPasswordHasher",
    "HostSlots",
    "JwtAccessTokens",
    "default_slot_directory",
    "load_common_passwords",
]
