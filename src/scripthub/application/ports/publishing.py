"""The ports publishing's gates read (in the unit of work): the `@require` allow-list, and
how much an account published lately."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from scripthub.domain.require_policy import RequireAllowlist


class RequireAllowlistRepository(Protocol):
    """The one allow-list of `@require`/`@resource` patterns (`domain.require_policy`).

    The read port of publishing is `current()`: load it once per publication and ask the
    list `allows(url)` / `admits(url)`.
    """

    async def current(self) -> RequireAllowlist:
        """The list as committed (the seeded one until a moderator replaces it)."""

    async def hold(self) -> tuple[str, ...]:
        """The patterns, with the list's write lock held until the unit of work ends, so
        that what a replacement reads as "before" is what it replaces."""

    async def replace(self, patterns: tuple[str, ...], now: datetime) -> None:
        """Stage `patterns` (checked, in their stored form) as the whole list."""


class PublicationHistory(Protocol):
    """What accounts published: versions, a new script's first one included."""

    async def newest_since(
        self, owner_id: uuid.UUID, since: datetime, limit: int
    ) -> list[datetime]:
        """When the newest `limit` versions (committed, or staged in this unit of work) of
        the scripts `owner_id` owns, deleted ones too, were published after `since`; newest
        first."""
