"""Co-authors of a script and the invitations that make them: invitations to co-author, and
offers of the script's ownership to a co-author."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

MAX_CO_AUTHORS: Final = 10
"""Co-authors a script may have, its owner not counted; pending invitations to co-author
count against it too, so that accepting one never finds the script full."""
INVITATION_LIFETIME: Final = timedelta(days=7)
"""How long an invitation (or an offer of ownership) may be accepted."""


class InvitationKind(enum.StrEnum):
    AUTHOR = "author"
    """To co-author the script."""
    TRANSFER = "transfer"
    """To a co-author, to take the script's ownership over."""


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    """Void: the invited co-author was removed (or left) before accepting an offer, or the
    script changed owner meanwhile."""


@dataclass(frozen=True)
class ScriptAuthor:
    """A co-author as a script shows them."""

    id: uuid.UUID
    username: str


@dataclass(frozen=True)
class Invitation:
    id: uuid.UUID
    script_id: uuid.UUID
    user_id: uuid.UUID
    """The invited user."""
    invited_by: uuid.UUID
    """The owner who invited (or offered)."""
    kind: InvitationKind
    created_at: datetime
    expires_at: datetime
    status: InvitationStatus = InvitationStatus.PENDING
    decided_at: datetime | None = None
    username: str | None = None
    """Filled in by reads: the invited user's username."""
    script_name: str | None = None
    """Filled in by reads: the script's name."""

    def open(self, now: datetime) -> bool:
        """Whether it may still be accepted."""
        return self.status is InvitationStatus.PENDING and now < self.expires_at


def new_invitation(
    script_id: uuid.UUID,
    user_id: uuid.UUID,
    invited_by: uuid.UUID,
    kind: InvitationKind,
    now: datetime,
) -> Invitation:
    return Invitation(
        id=uuid.uuid4(),
        script_id=script_id,
        user_id=user_id,
        invited_by=invited_by,
        kind=kind,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
