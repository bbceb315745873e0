"""Installs de-duplicated and counted in Redis, shared by every process and host."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scripthub.adapters.redis import install_scripts
from scripthub.adapters.redis.codec import epoch_ms, pairs_to_fields, span_ms
from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.application.ports.install_counter import (
    CLAIM_LEASE,
    INSTALL_WINDOW,
    PendingInstalls,
    install_key,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from redis.asyncio import Redis


@dataclass(frozen=True)
class InstallCounterKeys:
    """Where the counter lives under `prefix`: a key per (script, client) pair counted in the
    last window, the pending counts, the claims, and a key per claimed batch."""

    prefix: str = "scripthub:"

    def pair(self, script_id: uuid.UUID, client: str) -> str:
        return f"{self.prefix}installs:seen:{install_key(script_id, client)}"

    @property
    def pending(self) -> str:
        return f"{self.prefix}installs:pending"

    @property
    def claims(self) -> str:
        return f"{self.prefix}installs:claims"

    def claim(self, claim: str) -> str:
        return f"{self.prefix}installs:claim:{claim}"


class RedisInstallCounter:
    """`InstallCounter` on Redis. Every method is one Lua script, one round trip; `record`,
    on the install's hot path, reads and writes two keys (the pair, the pending hash) and no
    others, whatever the number of installs."""

    def __init__(self, client: Redis, prefix: str = "scripthub:") -> None:
        self._client = client
        self._keys = InstallCounterKeys(prefix)
        self._window_ms = span_ms(INSTALL_WINDOW)
        self._lease_ms = span_ms(CLAIM_LEASE)
        self._record = client.register_script(install_scripts.RECORD)
        self._claim = client.register_script(install_scripts.CLAIM)
        self._settle = client.register_script(install_scripts.SETTLE)
        self._release = client.register_script(install_scripts.RELEASE)
        self._restore = client.register_script(install_scripts.RESTORE)

    @cache_unavailable_as_503
    async def record(self, script_id: uuid.UUID, client: str, now: datetime) -> bool:
        at = epoch_ms(now)
        counted = await self._record(
            keys=[self._keys.pair(script_id, client), self._keys.pending],
            args=[at, at + self._window_ms, self._window_ms, str(script_id)],
        )
        return bool(counted)

    @cache_unavailable_as_503
    async def claim(self, now: datetime) -> PendingInstalls | None:
        name = uuid.uuid4().hex
        at = epoch_ms(now)
        flat = await self._claim(
            keys=[self._keys.pending, self._keys.claims, self._keys.claim(name)],
            args=[at, at - self._lease_ms],
        )
        if not flat:
            return None
        counts = {uuid.UUID(field): int(value) for field, value in pairs_to_fields(flat).items()}
        return PendingInstalls(name, counts)

    @cache_unavailable_as_503
    async def settle(self, claim: str) -> bool:
        return bool(await self._settle(keys=[self._keys.claim(claim), self._keys.claims]))

    @cache_unavailable_as_503
    async def release(self, claim: str) -> None:
        keys = [self._keys.claim(claim), self._keys.claims, self._keys.pending]
        await self._release(keys=keys)

    @cache_unavailable_as_503
    async def restore(self, counts: Mapping[uuid.UUID, int]) -> None:
        if counts:
            args = [part for script_id, n in counts.items() for part in (str(script_id), n)]
            await self._restore(keys=[self._keys.pending], args=args)
