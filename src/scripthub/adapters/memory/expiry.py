"""A min-heap of deadlines, so in-process stores can drop expired entries cheaply."""

from __future__ import annotations

import heapq
import itertools
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

K = TypeVar("K")


class ExpiryQueue(Generic[K]):
    """Keys with the time they expire; `due(now)` pops those whose time has come.

    A key may be pushed more than once or outlive its entry: callers check that what a
    popped key names has really expired before dropping it.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, K]] = []
        # The counter breaks ties so that keys themselves are never compared.
        self._order = itertools.count()

    def push(self, expires_at: datetime, key: K) -> None:
        heapq.heappush(self._heap, (expires_at, next(self._order), key))

    def due(self, now: datetime) -> Iterator[K]:
        while self._heap and self._heap[0][0] <= now:
            yield heapq.heappop(self._heap)[2]
