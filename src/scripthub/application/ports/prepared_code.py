"""Code prepared for serving: what a download sends, without reading or parsing the code
again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PreparedCode:
    """A version's served forms, as the bytes sent: the whole code with its update URLs
    rewritten, and its metadata block alone (None: the code has none)."""

    code: bytes
    meta: bytes | None

    @property
    def size(self) -> int:
        return len(self.code) + len(self.meta or b"")


class PreparedCodeCache(Protocol):
    """Prepared code of recently served versions, in the process.

    Keyed by the code's entity tag, which names the code and everything else its served forms
    are made from (`CodeValidators.tag`): an entry is never stale, so nothing invalidates it;
    the least recently used ones make room for others.
    """

    def get(self, tag: str) -> PreparedCode | None:
        """The code prepared under `tag`, if kept."""

    def put(self, tag: str, prepared: PreparedCode) -> None:
        """Keep `prepared` under `tag` (unless it alone is larger than the cache)."""
