"""Script source and webhook bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from scripthub.application.sources.webhook_secret import WebhookView
from scripthub.domain.sources import MAX_URL_LENGTH, Source, SyncMode
from scripthub.domain.users import URL_PATTERN
from scripthub.entrypoints.http.schemas.fields import documented

SourceUrl = Annotated[
    str,
    documented(
        "A GitHub file (blob or raw URL), a GitHub releases URL with `?asset=`, or any https "
        "URL of a file",
        min_length=1,
        max_length=MAX_URL_LENGTH,
        pattern=URL_PATTERN.pattern,
    ),
]


class SourceBody(msgspec.Struct, forbid_unknown_fields=True):
    url: SourceUrl
    sync: Literal["webhook", "schedule", "manual"]

    @property
    def mode(self) -> SyncMode:
        return SyncMode(self.sync)


class LastSyncOut(msgspec.Struct):
    at: datetime
    status: Literal["published", "unchanged", "failed", "held_for_review"]
    version: str | None
    error: str | None


class SourceOut(msgspec.Struct):
    url: str
    sync: Literal["webhook", "schedule", "manual"]
    ref: str | None
    last_sync: LastSyncOut | None


class SyncAccepted(msgspec.Struct):
    sync_id: uuid.UUID


class WebhookOut(msgspec.Struct):
    url: str
    secret_hint: str | None
    """The secret's last characters; null before one is made."""
    created_at: datetime | None


class NewWebhookSecretOut(msgspec.Struct):
    url: str
    secret: str
    """Shown in this answer only."""


class DeliveryOut(msgspec.Struct):
    sync_ids: list[uuid.UUID]
    """The syncs the delivery queued (none for a `ping`, or a delivery seen before)."""


def source_out(source: Source) -> SourceOut:
    last = source.last_sync
    return SourceOut(
        url=source.location.url,
        sync=source.sync.value,
        ref=source.location.ref,
        last_sync=None
        if last is None
        else LastSyncOut(
            at=last.at,
            status=last.status.value,
            version=last.version,
            error=last.error,
        ),
    )


def webhook_out(view: WebhookView) -> WebhookOut:
    return WebhookOut(url=view.url, secret_hint=view.secret_hint, created_at=view.created_at)
