"""Marks of personal access tokens in Redis: one GET on a token request's round trip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.application.ports.access_tokens import TokenMark

if TYPE_CHECKING:
    import uuid
    from collections.abc import Collection
    from datetime import datetime

    from redis.asyncio import Redis

    from scripthub.domain.access_tokens import AccessToken

_LIVE = "live"
_REVOKED = "revoked"


@dataclass(frozen=True)
class AccessTokenMarkKeys:
    prefix: str = "scripthub:"

    def mark(self, token_id: uuid.UUID) -> str:
        return f"{self.prefix}token_mark:{token_id}"


def decode_mark(value: bytes | str | None) -> TokenMark:
    if value is None:
        return TokenMark.UNKNOWN
    text = value.decode() if isinstance(value, bytes) else value
    return TokenMark.REVOKED if text == _REVOKED else TokenMark.LIVE


class RedisAccessTokenMarks:
    """`AccessTokenMarks` as one string key per token: `live` (SET NX) or `revoked` (SET,
    until the token would have expired)."""

    def __init__(self, client: Redis, prefix: str = "scripthub:") -> None:
        self._client = client
        self._keys = AccessTokenMarkKeys(prefix)

    @cache_unavailable_as_503
    async def mark_live(self, token_id: uuid.UUID, until: datetime) -> bool:
        key = self._keys.mark(token_id)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.set(key, _LIVE, nx=True, exat=until)
            pipe.get(key)
            _, mark = await pipe.execute()
        return decode_mark(mark) is not TokenMark.REVOKED

    @cache_unavailable_as_503
    async def mark_revoked(self, tokens: Collection[AccessToken]) -> None:
        if not tokens:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for token in tokens:
                pipe.set(self._keys.mark(token.id), _REVOKED, exat=token.expires_at)
            await pipe.execute()
