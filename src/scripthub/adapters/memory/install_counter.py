"""Installs de-duplicated and counted in process memory, for the embedded wiring."""

from __future__ import annotations

import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scripthub.application.ports.install_counter import (
    CLAIM_LEASE,
    INSTALL_WINDOW,
    PendingInstalls,
    install_key,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

DEFAULT_MAX_CLIENTS = 200_000
"""About 45 MB of (script, client) pairs counted in the last day, for the one small process of
the embedded wiring: past this, the pair counted longest ago is forgotten first, and that
client's next install of that script within its day counts again."""


@dataclass(frozen=True)
class _Claim:
    claimed_at: datetime
    counts: Counter[uuid.UUID]


class InMemoryInstallCounter:
    """`InstallCounter` for one process, by the rules of the Redis one. Atomic because no
    method awaits.

    Memory stays bounded: keys are fixed-size digests, a pair is dropped once its window ends,
    and past `max_clients` pairs the one whose latest counted install is oldest goes first.
    """

    def __init__(self, max_clients: int = DEFAULT_MAX_CLIENTS) -> None:
        self._max_clients = max_clients
        # When each pair's window ends, in order of its counted install, oldest first: every
        # window is as long, so this is also the order in which they end. Ordered, since a
        # plain dict's oldest entry gets slower to find the more are deleted before it.
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._pending: Counter[uuid.UUID] = Counter()
        self._claims: dict[str, _Claim] = {}

    async def record(self, script_id: uuid.UUID, client: str, now: datetime) -> bool:
        self._drop_expired(now)
        key = install_key(script_id, client)
        ends_at = self._seen.get(key)
        if ends_at is not None and ends_at > now:
            return False
        self._seen[key] = now + INSTALL_WINDOW
        self._seen.move_to_end(key)
        if len(self._seen) > self._max_clients:
            self._seen.popitem(last=False)
        self._pending[script_id] += 1
        return True

    async def claim(self, now: datetime) -> PendingInstalls | None:
        for name, held in list(self._claims.items()):
            if held.claimed_at <= now - CLAIM_LEASE:
                self._pending.update(self._claims.pop(name).counts)
        if not self._pending:
            return None
        name = uuid.uuid4().hex
        self._claims[name] = _Claim(now, self._pending)
        self._pending = Counter()
        return PendingInstalls(name, dict(self._claims[name].counts))

    async def settle(self, claim: str) -> bool:
        return self._claims.pop(claim, None) is not None

    async def release(self, claim: str) -> None:
        held = self._claims.pop(claim, None)
        if held is not None:
            self._pending.update(held.counts)

    async def restore(self, counts: Mapping[uuid.UUID, int]) -> None:
        self._pending.update(counts)

    def _drop_expired(self, now: datetime) -> None:
        while self._seen and next(iter(self._seen.values())) <= now:
            self._seen.popitem(last=False)
