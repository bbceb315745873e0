"""Marks of personal access tokens in Redis: one GET on a token request's round trip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.application.ports.access_tokens import TokenMark

if TYPE_CHECKING:
    import uuid
    from collections.abc import Collection

    from redis.asyncio import Redis

    from scripthub.domain.access_tokens import AccessToken

_LIVE = "live"
_REVOKED = "revoked"
_MARKS = {_LIVE: TokenMark.LIVE, _REVOKED: TokenMark.REVOKED}


@dataclass(frozen=True)
class AccessTokenMarkKeys:
    """Where tokens' marks live under `prefix`: one key per token, which expires."""

    prefix: str = "scripthub:"

    def mark(self, token_id: uuid.UUID) -> str:
        return f"{self.prefix}token_mark:{token_id}"


def decode_mark(value: bytes | str | None) -> TokenMark:
    """A value it does not know (of a later version's) leaves the database to decide."""
    text = value.decode() if isinstance(value, bytes) else value
    return _MARKS.get(text or "", TokenMark.UNKNOWN)


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
        # An expired token needs no mark (`revoke_all` also returns those never revoked).
        now = datetime.now(UTC)
        unexpired = [token for token in tokens if token.expires_at > now]
        if not unexpired:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for token in unexpired:
                pipe.set(self._keys.mark(token.id), _REVOKED, exat=token.expires_at)
            await pipe.execute()
