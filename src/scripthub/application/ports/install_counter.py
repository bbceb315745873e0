"""Installs counted once per script and client a day, without a database write per install.

An install is recorded in a fast store (Redis, or process memory), which de-duplicates it and
adds it to a pending count per script; a flusher folds the pending counts into the scripts'
totals in the relational store, a batch every few seconds. The hand-over from one store to the
other is a claim that the flusher settles just before it commits, so that nothing is counted
twice and only a crash in the instant between the two loses a batch (see `InstallCounter`).
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from datetime import datetime

INSTALL_WINDOW = timedelta(hours=24)
"""How long a client's install of a script keeps its later installs from being counted."""

CLAIM_LEASE = timedelta(seconds=30)
"""How long a claimed batch stays its flusher's before another one may take it back. A
flusher settles well within this (a database write is cut off after a few seconds), so only
one that died leaves its claim to run out: its counts then arrive this much later."""


def install_client(user_id: uuid.UUID | None, ip_address: str) -> str:
    """Who installs: the user when the request carries a bearer token, else the client IP.
    Prefixed, so that no IP can ever pass for a user id."""
    return f"user:{user_id}" if user_id is not None else f"ip:{ip_address}"


def install_key(script_id: uuid.UUID, client: str) -> str:
    """A fixed-size name (32 hex digits) for one (script, client) pair, holding no user id or IP
    in clear, whatever the client sends. A digest hides, it does not protect: anyone holding
    the store can test a guessed IP against it."""
    return hashlib.blake2b(f"{script_id}\n{client}".encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class PendingInstalls:
    """A claimed batch: the installs counted since the previous claim, per script."""

    claim: str
    """Names this claim in `settle` and `release`."""
    counts: dict[uuid.UUID, int]


class InstallCounter(Protocol):
    """De-duplicated install counts waiting to be folded into the scripts' totals, shared by
    every process of the store.

    The flusher's protocol, which makes the totals exact:

    1. `claim(now)` takes every pending count at once, atomically, as a batch; installs
       recorded from then on go to the next batch.
    2. In one unit of work, add the batch to the totals; then `settle(claim)`, and commit
       only if it returned True. If anything fails before `settle`, `release(claim)`.
    3. If the commit then fails, `restore(counts)`.

    A flusher that dies before settling leaves its claim behind; the next `claim` after
    `CLAIM_LEASE` takes those counts back (and its own transaction rolled back with its
    connection). A flusher too slow to settle in time finds `settle` False and rolls back,
    since its batch went to another. Only a flusher dying between `settle` and the end of its
    commit loses its batch: a couple of seconds of installs. Times are the caller's `now`.
    """

    async def record(self, script_id: uuid.UUID, client: str, now: datetime) -> bool:
        """Count `client`'s install of the script, unless it installed it in the
        `INSTALL_WINDOW` before `now`; True if counted. One atomic step, a single round trip:
        concurrent installs by one client count once, by distinct clients each once.
        Raises ServiceUnavailableError when the store cannot be reached."""

    async def claim(self, now: datetime) -> PendingInstalls | None:
        """Take every pending count as one batch, held under a new claim until settled or
        released; None if nothing is pending. First takes back into the pending counts any
        batch whose claim is older than `CLAIM_LEASE`. Two claims never hold the same
        install."""

    async def settle(self, claim: str) -> bool:
        """End the claim: its counts are about to be committed to the totals. False, changing
        nothing, if the claim is no longer held (it ran out and another flusher took its
        counts): the caller must then not commit them."""

    async def release(self, claim: str) -> None:
        """Give a held claim's counts back to the pending counts (they were not written);
        nothing if it is no longer held."""

    async def restore(self, counts: Mapping[uuid.UUID, int]) -> None:
        """Add counts of a settled claim back to the pending counts: the commit that was to
        write them failed."""


class InstallTotals(Protocol):
    """The scripts' install totals in the relational store (the script repository)."""

    async def add_install_counts(self, counts: Mapping[uuid.UUID, int]) -> None:
        """Stage adding each count to that script's `install_count`; scripts that no longer
        exist are skipped."""


class InstallTotalsTransaction(
    AbstractAsyncContextManager["InstallTotalsTransaction", None], Protocol
):
    """The part of a unit of work a flush needs: any `UnitOfWork` whose `scripts` repository
    can add install counts is one. Rolls back unless committed, like a `UnitOfWork`."""

    @property
    def scripts(self) -> InstallTotals: ...

    async def commit(self) -> None: ...


class InstallLog(Protocol):
    """Where a served install is noted: an `InstallCounter`'s `record` that never fails the
    download it counts (a counter that cannot be reached costs the count, not the install)."""

    async def record(self, script_id: uuid.UUID, client: str, now: datetime) -> bool:
        """Whether the install was counted (False: de-duplicated, or not countable now)."""
