"""Single-use tokens mailed to a user: verify an address, reset a password, or move the
account to a new address."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password
    CHANGE_EMAIL = "change_email"


TOKEN_LIFETIMES = {
    TokenPurpose.VERIFY_EMAIL: timedelta(hours=24),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.CHANGE_EMAIL: timedelta(hours=24),
}
MAIL_THROTTLE = timedelta(seconds=60)
"""At most one mail of a purpose per account in this window (resend, forgot, email change)."""


@dataclass
class EmailToken:
    id: uuid.UUID
    user_id: uuid.UUID
    purpose: TokenPurpose
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    new_email: str | None = None
    """The address a `CHANGE_EMAIL` token moves the account to (the one it was mailed to)."""

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
