"""What publishing a script's first version and each later one share."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import AuditEntry, RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.script_versions import VersionDraft, place_version
from scripthub.domain.scripts import ScriptVersion, VersionCode


async def stage_version(
    uow: UnitOfWork,
    draft: VersionDraft,
    script_id: uuid.UUID,
    latest: VersionCode | None,
    now: datetime,
) -> ScriptVersion:
    """Stage `draft` as the live script's new latest version, after `latest` (None: its
    first). Raises ValidationError if the managers would not update from `latest`,
    NotFoundError if the script is gone, and ConflictError (from the repository) if the
    version exists or `latest` is no longer the latest."""
    # Reads the latest version's metadata (up to 2 MiB of code) off the event loop.
    version = await asyncio.to_thread(place_version, draft, script_id, latest, now)
    return await stage_placed(uow, draft, version, latest)


async def stage_placed(
    uow: UnitOfWork, draft: VersionDraft, version: ScriptVersion, latest: VersionCode | None
) -> ScriptVersion:
    """`stage_version` of a version already placed after `latest`."""
    staged = await uow.scripts.add_version(
        version,
        draft.code,
        antifeatures=draft.antifeatures,
        sites=draft.sites,
        replacing=None if latest is None else latest.version.version,
    )
    if not staged:
        raise NotFoundError("Script not found.")
    return version


def version_published(
    clock: Clock, context: RequestContext, actor_id: uuid.UUID, version: ScriptVersion
) -> AuditEntry:
    return audit_entry(
        clock,
        "script.version_published",
        context,
        actor_id=actor_id,
        resource_type="script",
        resource_id=version.script_id,
        metadata={"version": version.version, "version_id": str(version.id)},
    )
