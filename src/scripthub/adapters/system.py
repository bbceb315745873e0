"""System adapters: the real clock."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """`Clock` reading the system time, as timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
