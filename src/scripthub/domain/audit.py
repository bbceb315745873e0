"""Audit entries: who did what, to what, when and from where."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


@dataclass(frozen=True)
class RequestContext:
    """Where a request came from; carried into sessions and audit entries."""

    ip_address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    """The request's `X-Request-ID`, kept in the audit entry's `metadata.request_id`."""
    token_id: uuid.UUID | None = None
    """The personal access token that authenticated the request, kept in the audit entry's
    `metadata.token_id`."""


@dataclass(frozen=True)
class AuditEntry:
    id: uuid.UUID
    occurred_at: datetime
    actor_id: uuid.UUID | None
    action: str
    resource_type: str | None
    resource_id: str | None
    outcome: Outcome
    ip_address: str | None
    user_agent: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
