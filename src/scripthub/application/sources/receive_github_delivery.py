"""A GitHub webhook delivery: checked, de-duplicated, and turned into sync jobs."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from scripthub.application.ports.sources import SyncJob, SyncTrigger
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.sources.webhook_secret import WebhookEndpoint
from scripthub.domain.errors import BadRequestError, InvalidTokenError
from scripthub.domain.sources import Source, SourceKind
from scripthub.domain.webhooks import signature_matches

logger = logging.getLogger("scripthub.sources")
MAX_DELIVERY_ID_LENGTH = 100


@dataclass(frozen=True)
class GitHubDelivery:
    user_id: uuid.UUID
    body: bytes
    """The raw body, as signed."""
    signature: str | None
    event: str | None
    delivery: str | None


@dataclass(frozen=True)
class DeliveryOutcome:
    accepted: bool
    """False for a `ping`, an event that syncs nothing, or a delivery seen before."""
    sync_ids: list[uuid.UUID]


@dataclass(frozen=True)
class ReceiveGitHubDelivery:
    """Check the signature (X-Hub-Signature-256: HMAC-SHA256 of the raw body under the
    account's secret, compared in constant time) before anything else: a bad or missing one,
    or an account without a secret, is InvalidTokenError (401), logged, and nothing is read
    or queued. Then, in one transaction: a delivery id seen before changes nothing; `push`
    queues a sync of each `webhook` source of the account on that repository and branch
    (or tag) whose path a commit added or modified (any path for a tag); `release` with
    action `published` one of each that follows the repository's releases, for that
    release's tag. Other events (and `ping`) are acknowledged and do nothing."""

    uow_factory: UnitOfWorkFactory
    endpoint: WebhookEndpoint
    clock: Clock

    async def execute(self, delivery: GitHubDelivery) -> DeliveryOutcome:
        async with self.uow_factory() as uow:
            secret = await uow.webhooks.secret_of(delivery.user_id)
        nonce = None if secret is None else secret.nonce
        if not signature_matches(
            self.endpoint.key, delivery.user_id, nonce, delivery.body, delivery.signature
        ):
            logger.warning("webhook delivery for %s refused: bad signature", delivery.user_id)
            raise InvalidTokenError("The X-Hub-Signature-256 signature does not match.")
        if not delivery.delivery or len(delivery.delivery) > MAX_DELIVERY_ID_LENGTH:
            raise BadRequestError("X-GitHub-Delivery is missing or too long.")
        payload = _parsed(delivery.body)
        now = self.clock.now()
        async with self.uow_factory() as uow:
            if not await uow.webhooks.first_delivery(delivery.user_id, delivery.delivery, now):
                return DeliveryOutcome(accepted=False, sync_ids=[])
            targets = await _targets(uow, delivery, payload)
            jobs = [
                SyncJob(
                    uuid.uuid4(),
                    source.script_id,
                    SyncTrigger.WEBHOOK,
                    now,
                    delivery=delivery.delivery,
                    release_tag=tag,
                )
                for source, tag in targets
            ]
            for job in jobs:
                await uow.sources.add_sync(job)
            await uow.commit()
        return DeliveryOutcome(
            accepted=delivery.event in {"push", "release"}, sync_ids=[job.id for job in jobs]
        )


def _parsed(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # nested deeper than the parser goes, too
        raise BadRequestError("The delivery is not JSON.") from None
    if not isinstance(payload, dict):
        raise BadRequestError("The delivery is not a JSON object.")
    return payload


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def _targets(
    uow: UnitOfWork, delivery: GitHubDelivery, payload: dict[str, Any]
) -> list[tuple[Source, str | None]]:
    repository = payload.get("repository")
    full_name = _text(repository.get("full_name")) if isinstance(repository, dict) else None
    if full_name is None or delivery.event not in {"push", "release"}:
        return []
    sources = await uow.sources.webhook_targets(delivery.user_id, full_name.lower())
    if delivery.event == "push":
        return [(source, None) for source in _pushed(sources, payload)]
    release = payload.get("release")
    if payload.get("action") != "published" or not isinstance(release, dict):
        return []
    tag = _text(release.get("tag_name"))
    return [
        (source, tag) for source in sources if source.location.kind is SourceKind.GITHUB_RELEASE
    ]


def _pushed(sources: list[Source], payload: dict[str, Any]) -> list[Source]:
    ref = _text(payload.get("ref")) or ""
    kind, _, name = ref.removeprefix("refs/").partition("/")
    if payload.get("deleted") is True or kind not in {"heads", "tags"}:
        return []
    touched: set[str] = set()
    commits = payload.get("commits")
    for commit in commits if isinstance(commits, list) else []:
        if isinstance(commit, dict):
            for field in ("added", "modified"):
                paths = commit.get(field)
                touched.update(
                    p for p in (paths if isinstance(paths, list) else []) if isinstance(p, str)
                )
    return [
        source
        for source in sources
        if source.location.kind is SourceKind.GITHUB_FILE
        and source.location.ref == name
        and (kind == "tags" or source.location.path in touched)
    ]
