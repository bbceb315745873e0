"""The port of reports: what users file against scripts, and how moderators resolved them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.reports import Report, ReportReason, ReportStatus, Resolution


@dataclass(frozen=True)
class NewReport:
    id: uuid.UUID
    script_id: uuid.UUID
    reporter_id: uuid.UUID
    reason: ReportReason
    details: str
    version: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReportQuery:
    """A page of reports. Lists are newest first by (`created_at`, `id`) unless
    `oldest_first`; `after` is where the previous page ended, in that order."""

    limit: int
    after: Keyset | None = None
    oldest_first: bool = False
    script_id: uuid.UUID | None = None
    reporter_id: uuid.UUID | None = None
    status: ReportStatus | None = None
    reason: ReportReason | None = None


class ReportRepository(Protocol):
    """Reports, in the unit of work's transaction. Every read returns a report whole: its
    script's name and owner (also once the script is deleted) and its reporter, in one
    statement per call whatever the page size. Writes name the state they expect in their
    statement, checked after waiting for any concurrent write to the same report (a row lock
    on PostgreSQL, the database lock on SQLite)."""

    async def add(self, report: NewReport) -> bool:
        """Stage a new OPEN report; False (and nothing staged) if the reporter has an OPEN
        report on that script already: of concurrent calls for one reporter and script,
        exactly one gets True (a partial unique index)."""

    async def count_filed_since(self, reporter_id: uuid.UUID, since: datetime) -> int:
        """How many reports (in any status) the reporter filed at or after `since`."""

    async def oldest_filed_since(self, reporter_id: uuid.UUID, since: datetime) -> datetime | None:
        """When the reporter's oldest report filed at or after `since` was filed."""

    async def get(self, report_id: uuid.UUID) -> Report | None: ...

    async def search(self, query: ReportQuery) -> list[Report]:
        """Up to `query.limit` reports matching every filter it sets, in its order."""

    async def resolved_page(self, after: Keyset | None, limit: int) -> list[Report]:
        """Up to `limit` UPHELD reports, newest resolution first by (resolution time, id):
        the public moderation log."""

    async def rebut(self, report_id: uuid.UUID, text: str, now: datetime) -> Report | None:
        """Set the rebuttal of an OPEN report that has none; None (nothing changed) if it is
        not open or has one already."""

    async def resolve(
        self, report_id: uuid.UUID, resolution: Resolution, *, locks_visibility: bool
    ) -> Report | None:
        """Close an OPEN report with `resolution` (its status follows the decision); None if
        it is not open (any more): of concurrent resolutions exactly one succeeds.
        `locks_visibility`: the report keeps its script from being made public again (see
        `visibility_locked`)."""

    async def visibility_locked(self, script_id: uuid.UUID) -> bool:
        """Whether a report upheld with `unlist` still keeps the script from being public."""

    async def release_visibility_lock(self, script_id: uuid.UUID, now: datetime) -> None:
        """Lift every such lock of the script (a moderator made it public again)."""
