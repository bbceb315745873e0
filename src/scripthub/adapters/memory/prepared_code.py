"""Prepared code in process memory, least recently used first out."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scripthub.application.ports.prepared_code import PreparedCode

PREPARED_CODE_BYTES = 64 * 1024 * 1024
"""Per process: the code of a few hundred typical scripts, or 16 of the largest (2 MiB, and
their blocks)."""


class InMemoryPreparedCodeCache:
    """`PreparedCodeCache` holding at most `max_bytes` of code. Atomic: no method awaits."""

    def __init__(self, max_bytes: int = PREPARED_CODE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[str, PreparedCode] = OrderedDict()

    def get(self, tag: str) -> PreparedCode | None:
        prepared = self._entries.get(tag)
        if prepared is not None:
            self._entries.move_to_end(tag)
        return prepared

    def put(self, tag: str, prepared: PreparedCode) -> None:
        if prepared.size > self._max_bytes or tag in self._entries:
            return
        self._entries[tag] = prepared
        self._bytes += prepared.size
        while self._bytes > self._max_bytes:
            _, oldest = self._entries.popitem(last=False)
            self._bytes -= oldest.size
