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
    epoch: int = 0
    """The account's `session_epoch` this session belongs to: once the account's moves past
    it, the session has ended."""


class RotationOutcome(enum.Enum):
    ROTATED = "rotated"
    """The presented token was current; its successor is now the only live token."""
    ALREADY_ROTATED = "already_rotated"
    """The token was rotated moments ago, into the very successor this rotation asks for,
    which is still current (a client's concurrent refresh lost the race); nothing changes."""
    SUPERSEDED_IN_GRACE = "superseded_in_grace"
    """The token was rotated moments ago, and its session's token has changed again since;
    nothing changes."""
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


def outcome_within_grace(current_token_hash: str, asked_successor_hash: str) -> RotationOutcome:
    """What a rotated token presented again within the grace window yields."""
    if current_token_hash == asked_successor_hash:
        return RotationOutcome.ALREADY_ROTATED
    return RotationOutcome.SUPERSEDED_IN_GRACE
