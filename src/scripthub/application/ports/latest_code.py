"""The latest version's validators per script, where update checks read them without the
database, in the same round trip that counts the request against its rate budget.

Entries are keyed by the names a route takes: a script's id (in its canonical form) and its
slug, each its own entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from scripthub.domain.scripts import Script, VersionSummary, Visibility

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime

    from scripthub.application.ports.system import RateCharge, RateLimitState

LATEST_CODE_TTL = timedelta(seconds=60)
"""How long an entry lives. Every change drops it at once; this only bounds how long a change
that could not reach the cache (it was down at that moment) leaves the old validators
answering update checks."""

FILL_FENCE = timedelta(seconds=10)
"""How long after a change no fill may cache its name: longer than a read that began before
the change's commit can take to fill (the database cuts a statement off after 5 s), so no
such read brings the old validators back, whatever order concurrent changes end in."""


@dataclass(frozen=True)
class CodeValidators:
    """What answers a client whose copy of a version's code is current, and names the code
    prepared for a download (`PreparedCodeCache`). `visibility` is the one readers see
    (private while the owner is suspended), so that no update check is answered from the
    cache, nor any answer kept by shared caches, for a hidden script."""

    script_id: uuid.UUID
    visibility: Visibility
    sha256: str
    created_at: datetime
    served_as: str
    """A digest of what, besides the code, its served forms are made from (where their update
    URLs point); empty when nothing else is."""

    @classmethod
    def of(cls, script: Script, version: VersionSummary, served_as: str) -> CodeValidators:
        return cls(script.id, script.seen_as, version.sha256, version.created_at, served_as)

    @property
    def tag(self) -> str:
        """The served code's entity tag: it changes with the code and with `served_as`."""
        return f"{self.sha256}.{self.served_as}" if self.served_as else self.sha256


@dataclass(frozen=True)
class CachedLatestCode:
    latest: CodeValidators | None
    """None when not cached (or fenced off after a change): the database says."""
    rate: RateLimitState | None = None
    """The tightest budget after counting the read's `charges` (`RateLimitState.tightest`);
    None when there were none."""
    reached: bool = True
    """False when the store could not be reached (a `LatestCodeCache`'s miss)."""


class LatestCodeStore(Protocol):
    """The latest version's validators of scripts, shared by every process of the store.

    `fill` caches what a read of the database found; `changed`, after a committed change,
    drops the entries and fences them off from fills for `FILL_FENCE`: a fill racing the
    change (its read before the commit, its write after) finds the fence and writes nothing.
    Each method raises ServiceUnavailableError when the store cannot be reached.
    """

    async def read(self, name: str, charges: Sequence[RateCharge]) -> CachedLatestCode:
        """The cached validators of the script `name` names and the request counted against
        each of `charges` exactly as `RateLimiter.hit` counts it (the same counters), in one
        round trip."""

    async def fill(self, name: str, latest: CodeValidators) -> None:
        """Cache validators read from the database for `LATEST_CODE_TTL`, unless `name` has an
        entry or a fence."""

    async def changed(self, names: Collection[str]) -> None:
        """After a committed change to the script(s) these names named (a new version, a new
        visibility or slug, a deletion): drop their entries and fence them off from fills for
        `FILL_FENCE`."""


class LatestCodeCache(Protocol):
    """What the use cases hold: a `LatestCodeStore` that never raises. A store that cannot
    be reached reads as a miss with no request counted (`reached` False), and drops fills and
    changes: it costs database reads and rate counting, never a request or a committed
    change. Each call that meets such a store waits for it once, up to its deadline: a
    request that met one skips its later steps on that store, rather than waiting again."""

    async def read(self, name: str, charges: Sequence[RateCharge]) -> CachedLatestCode:
        """As `LatestCodeStore.read`."""

    async def fill(self, name: str, latest: CodeValidators) -> bool:
        """As `LatestCodeStore.fill`; whether the store was reached."""

    async def changed(self, names: Collection[str]) -> None:
        """As `LatestCodeStore.changed`."""
