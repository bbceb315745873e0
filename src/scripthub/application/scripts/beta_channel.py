"""Publishing on the beta channel (`domain.version_channels`): a beta version becomes the
script's latest beta, never its latest (stable) version, and its review follows the same
policy as a stable one's."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime, timedelta

from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.scripts.review_hold import (
    check_above_held,
    holds,
    stage_under_review,
)
from scripthub.domain.errors import NotFoundError, ValidationError
from scripthub.domain.script_versions import VersionDraft, place_version
from scripthub.domain.scripts import ScriptVersion, VersionCode
from scripthub.domain.version_channels import Channel, channel_refusal, newer_beta
from scripthub.domain.version_review import ReviewPolicy, VersionStatus

_TICK = timedelta(microseconds=1)


async def stage_on_channel(
    uow: UnitOfWork,
    draft: VersionDraft,
    channel: Channel,
    script_id: uuid.UUID,
    latest: VersionCode | None,
    now: datetime,
    policy: ReviewPolicy,
) -> ScriptVersion:
    """`review_hold.stage_under_review` for a stable version; for a beta one, the same on the
    beta channel: it must follow the latest beta and the latest stable version `latest`
    (ValidationError on `version`, `version_channels.channel_refusal`); its `widened` is
    counted from what the beta channel served until now (the newest of the two); it is
    held when the policy holds it (unless the script has no stable version yet), else it
    becomes the script's latest beta. Raises what `stage_under_review` raises (ConflictError
    when either latest moved meanwhile)."""
    if channel is Channel.STABLE:
        return await stage_under_review(uow, draft, script_id, latest, now, policy)
    beta = await uow.beta_channel.latest_beta_code(script_id)
    stable_name = None if latest is None else latest.version.version
    beta_name = None if beta is None else beta.version.version
    if refusal := channel_refusal(channel, draft.version, stable_name, beta_name):
        raise ValidationError.single("version", refusal)
    served = beta if newer_beta(stable_name, beta_name) else latest
    # Reads the served version's metadata (up to 2 MiB of code) off the event loop.
    placed = await asyncio.to_thread(place_version, draft, script_id, served, now)
    after = max((known.version.created_at for known in (latest, beta) if known), default=now)
    placed = dataclasses.replace(
        placed, channel=Channel.BETA, created_at=max(placed.created_at, after + _TICK)
    )
    if latest is not None and await holds(uow, policy, placed):
        staged = dataclasses.replace(placed, status=VersionStatus.HELD_FOR_REVIEW)
        replacing = latest.version.version
        if not await uow.version_reviews.hold_version(staged, draft.code, replacing=replacing):
            raise NotFoundError("Script not found.")
    else:
        staged = placed
        added = await uow.beta_channel.add_beta(
            staged, draft.code, stable=stable_name, replacing=beta_name
        )
        if not added:
            raise NotFoundError("Script not found.")
    await check_above_held(uow, staged)
    return staged


async def promote_beta(uow: UnitOfWork, approved: ScriptVersion, now: datetime) -> bool:
    """Make a held beta that a moderator approved the script's latest beta, if it still
    follows the latest beta and the latest stable version (else it stays in the history,
    published but not served, and False). ConflictError if either moved meanwhile;
    NotFoundError if the script is gone."""
    script = await uow.scripts.get(approved.script_id)
    if script is None:
        raise NotFoundError("Script not found.")
    stable = None if script.latest_version is None else script.latest_version.version
    beta = None if script.latest_beta is None else script.latest_beta.version
    if channel_refusal(Channel.BETA, approved.version, stable, beta) is not None:
        return False
    if not await uow.beta_channel.make_latest_beta(
        approved, stable=stable, replacing=beta, now=now
    ):
        raise NotFoundError("Script not found.")
    return True
