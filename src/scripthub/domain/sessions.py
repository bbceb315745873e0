"""A session: one signed-in device, kept alive by a rotating refresh token."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass
class Session:
    id: uuid.UUID
    user_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip_address: str | None
    provider: str


class RotationOutcome(enum.Enum):
    ROTATED = "rotated"
    """The presented token was current; its successor is now the only live token."""
    SUPERSEDED_IN_GRACE = "superseded_in_grace"
    """The token was rotated moments ago (a client's concurrent retry); nothing changes."""
    REUSED = "reused"
    """A rotated token came back after the grace window: the session has been ended."""
    ENDED = "ended"
    """The token was current when its session was ended (sign-out, suspension...), and the
    session has not reached its `expires_at` yet. `Rotation.session` is the ended session;
    nothing changes."""
    UNKNOWN = "unknown"
    """No session knows this token (never issued, or its session expired)."""


@dataclass(frozen=True)
class Rotation:
    outcome: RotationOutcome
    session: Session | None = None
