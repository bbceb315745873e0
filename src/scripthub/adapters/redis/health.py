"""Whether Redis answers, for the readiness endpoint."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from scripthub.adapters.redis.errors import UNAVAILABLE

if TYPE_CHECKING:
    from redis.asyncio import Redis


class RedisHealthProbe:
    """`HealthProbe` that PINGs Redis, giving up after `timeout` seconds."""

    def __init__(self, client: Redis, timeout: float = 1.0) -> None:
        self._client = client
        self._timeout = timeout

    async def healthy(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                return bool(await self._client.ping())
        except (*UNAVAILABLE, RedisError):
            return False
