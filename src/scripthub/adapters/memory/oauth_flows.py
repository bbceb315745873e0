"""Started OAuth flows and one-time exchange codes in process memory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from scripthub.adapters.memory.expiry import ExpiryQueue
from scripthub.application.ports.oauth import (
    EXCHANGE_CODE_LIFETIME,
    FLOW_LIFETIME,
    ExchangeGrant,
    OAuthFlow,
)
from scripthub.application.tokens import hash_token

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from scripthub.application.ports.system import Clock

V = TypeVar("V")


class _SingleUseValues(Generic[V]):
    """Values under hashed keys, each expiring `lifetime` after it was put and taken at most
    once. Atomic because no method awaits."""

    def __init__(self, clock: Clock, lifetime: timedelta) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._entries: dict[str, tuple[V, datetime]] = {}
        self._expiry: ExpiryQueue[str] = ExpiryQueue()

    def put(self, key: str, value: V) -> None:
        self._drop_expired()
        hashed, expires_at = hash_token(key), self._clock.now() + self._lifetime
        self._entries[hashed] = (value, expires_at)
        self._expiry.push(expires_at, hashed)

    def take(self, key: str) -> V | None:
        self._drop_expired()
        entry = self._entries.pop(hash_token(key), None)
        return None if entry is None else entry[0]

    def _drop_expired(self) -> None:
        now = self._clock.now()
        for key in self._expiry.due(now):
            entry = self._entries.get(key)
            # The key may have been put again since this deadline was pushed.
            if entry is not None and entry[1] <= now:
                del self._entries[key]


class InMemoryOAuthFlowStore:
    """`OAuthFlowStore` for one process (the embedded wiring, where every flow begins and
    ends in the same process)."""

    def __init__(
        self,
        clock: Clock,
        flow_lifetime: timedelta = FLOW_LIFETIME,
        code_lifetime: timedelta = EXCHANGE_CODE_LIFETIME,
    ) -> None:
        self._flows: _SingleUseValues[OAuthFlow] = _SingleUseValues(clock, flow_lifetime)
        self._grants: _SingleUseValues[ExchangeGrant] = _SingleUseValues(clock, code_lifetime)

    async def begin(self, state: str, flow: OAuthFlow) -> None:
        self._flows.put(state, flow)

    async def take_flow(self, state: str) -> OAuthFlow | None:
        return self._flows.take(state)

    async def issue(self, code: str, grant: ExchangeGrant) -> None:
        self._grants.put(code, grant)

    async def redeem(self, code: str) -> ExchangeGrant | None:
        return self._grants.take(code)
