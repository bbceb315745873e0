"""Where a page of a newest-first list ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Keyset:
    """Where a page ended: lists are ordered newest first by (`at`, `id`), both descending,
    and the next page holds the rows strictly after this one in that order."""

    at: datetime
    id: uuid.UUID
