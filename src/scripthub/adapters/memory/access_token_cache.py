"""Personal access tokens in process memory, least recently used first out."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scripthub.domain.access_tokens import AccessToken

CACHED_TOKENS = 4096
"""Per process: a few hundred bytes each."""


class InMemoryAccessTokenCache:
    """`AccessTokenCache` holding at most `max_entries` tokens. Atomic: no method awaits."""

    def __init__(self, max_entries: int = CACHED_TOKENS) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, AccessToken] = OrderedDict()

    def get(self, secret_hash: str) -> AccessToken | None:
        token = self._entries.get(secret_hash)
        if token is not None:
            self._entries.move_to_end(secret_hash)
        return token

    def put(self, secret_hash: str, token: AccessToken) -> None:
        self._entries[secret_hash] = token
        self._entries.move_to_end(secret_hash)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def forget(self, secret_hash: str) -> None:
        self._entries.pop(secret_hash, None)
