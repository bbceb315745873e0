"""Publishing under review: a new version the review policy holds is staged beside the
script's versions without becoming its latest (`domain.version_review`)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime

from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.scripts.publishing import stage_placed, version_published
from scripthub.domain.audit import AuditEntry, RequestContext
from scripthub.domain.errors import NotFoundError, ValidationError
from scripthub.domain.script_versions import VersionDraft, place_version
from scripthub.domain.scripts import ScriptVersion, VersionCode
from scripthub.domain.version_channels import Channel
from scripthub.domain.version_ordering import update_refusal
from scripthub.domain.version_review import (
    WIDENING_CLAUSES,
    ReviewPolicy,
    VersionStatus,
    held_for_review,
    require_outside,
)


async def stage_under_review(
    uow: UnitOfWork,
    draft: VersionDraft,
    script_id: uuid.UUID,
    latest: VersionCode | None,
    now: datetime,
    policy: ReviewPolicy,
) -> ScriptVersion:
    """`publishing.stage_version`, unless `policy` holds the version (never a first one):
    then it is staged with status `held_for_review` and the script's latest stays `latest`.

    Either way, `widened` and the version order are those against `latest`, the latest
    published version; and once the script is locked, the new version must also be greater
    than every version of the script still held (ValidationError on `version`), so that a
    held version approved later never becomes the latest behind a newer one. Raises what
    `stage_version` raises."""
    # Reads the latest version's metadata (up to 2 MiB of code) off the event loop.
    placed = await asyncio.to_thread(place_version, draft, script_id, latest, now)
    if latest is None or not await holds(uow, policy, placed):
        staged = await stage_placed(uow, draft, placed, latest)
    else:
        staged = dataclasses.replace(placed, status=VersionStatus.HELD_FOR_REVIEW)
        replacing = latest.version.version
        if not await uow.version_reviews.hold_version(staged, draft.code, replacing=replacing):
            raise NotFoundError("Script not found.")
    await check_above_held(uow, staged)
    return staged


async def holds(uow: UnitOfWork, policy: ReviewPolicy, placed: ScriptVersion) -> bool:
    """Whether `policy` holds `placed`, a version that follows another: under `widening`,
    also for a new `@require` off the allow-list of the moment."""
    clauses = WIDENING_CLAUSES
    if policy is ReviewPolicy.WIDENING and (placed.widened or {}).get("require"):
        clauses = (*WIDENING_CLAUSES, require_outside(await uow.require_allowlist.current()))
    return held_for_review(policy, placed.widened, clauses)


async def check_above_held(uow: UnitOfWork, staged: ScriptVersion) -> None:
    """ValidationError on `version` unless `staged`, just written (the script locked), is
    greater than every version of the script still held that it must follow once approved:
    every held one for a beta, the held stable ones for a stable version (which may be lower
    than a beta: `domain.version_channels`)."""
    # After the write that locked the script: the held versions committed before it.
    for held in await uow.version_reviews.held_of(staged.script_id):
        if held.id == staged.id or (
            staged.channel is Channel.STABLE and held.channel is not Channel.STABLE
        ):
            continue
        if refusal := update_refusal(held.version, staged.version):
            msg = f"must be greater than version {held.version}, held for review: {refusal}"
            raise ValidationError.single("version", msg)


def publication_entry(
    clock: Clock,
    context: RequestContext,
    actor_id: uuid.UUID,
    version: ScriptVersion,
    owner_id: uuid.UUID,
) -> AuditEntry:
    """`script.version_published`, or `script.version_held` for a held version (with the
    owner in `metadata.owner_id`, as the review's entries have it)."""
    if version.status is VersionStatus.PUBLISHED:
        return version_published(clock, context, actor_id, version)
    return audit_entry(
        clock,
        "script.version_held",
        context,
        actor_id=actor_id,
        resource_type="script",
        resource_id=version.script_id,
        metadata={
            "version": version.version,
            "version_id": str(version.id),
            "owner_id": str(owner_id),
            "widened": version.widened,
        },
    )
