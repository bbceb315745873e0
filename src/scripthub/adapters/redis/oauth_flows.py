"""Started OAuth flows and one-time exchange codes in Redis, shared by every process and host:
a flow may end on another process than the one that began it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import msgspec

from scripthub.adapters.redis.codec import span_ms
from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.application.ports.oauth import (
    EXCHANGE_CODE_LIFETIME,
    FLOW_LIFETIME,
    ExchangeGrant,
    OAuthFlow,
)
from scripthub.application.tokens import hash_token

if TYPE_CHECKING:
    from datetime import timedelta

    from redis.asyncio import Redis

V = TypeVar("V")


class _SingleUseValues(Generic[V]):
    """Values of one type under hashed keys of one namespace, each expiring after `lifetime`
    and read at most once: GETDEL (Redis 6.2+) reads and deletes in one atomic step, so of
    concurrent takes of one key only one gets the value. A value this version cannot read
    (put by an older one during a rolling deploy) is taken as none."""

    def __init__(self, client: Redis, namespace: str, lifetime: timedelta, kind: type[V]) -> None:
        self._client = client
        self._namespace = namespace
        self._lifetime_ms = span_ms(lifetime)
        self._decoder = msgspec.json.Decoder(kind)

    async def put(self, key: str, value: V) -> None:
        await self._client.set(self._key(key), msgspec.json.encode(value), px=self._lifetime_ms)

    async def take(self, key: str) -> V | None:
        encoded: bytes | str | None = await self._client.getdel(self._key(key))
        if encoded is None:
            return None
        try:
            return self._decoder.decode(encoded)
        except msgspec.ValidationError:
            return None

    def _key(self, key: str) -> str:
        return f"{self._namespace}{hash_token(key)}"


class RedisOAuthFlowStore:
    """`OAuthFlowStore` on Redis: one JSON string per flow or code, keyed by the SHA-256 of
    the state or code, expiring with it."""

    def __init__(
        self,
        client: Redis,
        prefix: str = "scripthub:",
        flow_lifetime: timedelta = FLOW_LIFETIME,
        code_lifetime: timedelta = EXCHANGE_CODE_LIFETIME,
    ) -> None:
        self._client = client
        self._flows = _SingleUseValues(client, f"{prefix}oauth_flow:", flow_lifetime, OAuthFlow)
        self._grants = _SingleUseValues(
            client, f"{prefix}oauth_code:", code_lifetime, ExchangeGrant
        )

    @cache_unavailable_as_503
    async def begin(self, state: str, flow: OAuthFlow) -> None:
        await self._flows.put(state, flow)

    @cache_unavailable_as_503
    async def take_flow(self, state: str) -> OAuthFlow | None:
        return await self._flows.take(state)

    @cache_unavailable_as_503
    async def issue(self, code: str, grant: ExchangeGrant) -> None:
        await self._grants.put(code, grant)

    @cache_unavailable_as_503
    async def redeem(self, code: str) -> ExchangeGrant | None:
        return await self._grants.take(code)
