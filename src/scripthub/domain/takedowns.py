"""Takedowns: how moderation deletes a script so that its installed copies follow.

A script taken down is deleted (gone from the catalogue and every route but its code's), and its
code routes answer by the mode: `keep` 410, `redirect` 301 to another script's code, `blank` a
kill switch, a version that does nothing and that every manager takes as an update.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass


class TakedownMode(enum.StrEnum):
    KEEP = "keep"
    REDIRECT = "redirect"
    BLANK = "blank"


@dataclass(frozen=True)
class Takedown:
    mode: TakedownMode
    redirect_to: uuid.UUID | None = None
    """The script whose code the taken-down script's code routes send to (`redirect` only)."""
