"""Who is making an authenticated request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.domain.roles import Grants


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    session_id: uuid.UUID
    grants: Grants
