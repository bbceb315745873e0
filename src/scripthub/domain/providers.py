"""Ways to sign in to an account: a password (`email`) or an OAuth identity."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Provider(enum.StrEnum):
    EMAIL = "email"
    DISCORD = "discord"
    GOOGLE = "google"
    GITHUB = "github"


@dataclass
class ProviderLink:
    id: uuid.UUID
    user_id: uuid.UUID
    provider: Provider
    provider_user_id: str
    email: str | None
    linked_at: datetime
    provider_data: dict[str, Any] = field(default_factory=dict)
