"""Take a script down, in the unit of work of the moderation action that decides it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scripthub.application.ports.scripts import ScriptChanges
from scripthub.application.scripts.publishing import stage_version
from scripthub.domain.errors import NotFoundError, Problems, ValidationError
from scripthub.domain.kill_switch import (
    KILL_SWITCH_CHANGELOG,
    kill_switch_code,
    kill_switch_version,
)
from scripthub.domain.script_versions import draft_version
from scripthub.domain.scripts import Visibility
from scripthub.domain.takedowns import Takedown, TakedownMode
from scripthub.domain.userscript_metadata import parse_metadata

if TYPE_CHECKING:
    from datetime import datetime

    from scripthub.application.ports.unit_of_work import UnitOfWork
    from scripthub.domain.scripts import Script, VersionCode


async def take_down(uow: UnitOfWork, script: Script, takedown: Takedown, now: datetime) -> None:
    """Stage the deletion of the live `script` by moderation, with what its code routes answer
    from then on (`domain.takedowns`); `blank` first publishes the kill switch as its latest
    version. After the commit, the caller drops the script's cached code
    (`LatestCodeCache.changed`).

    Raises ValidationError (field `redirect_to`) for a redirect to anything but another live,
    public script, or a `redirect_to` with another mode; NotFoundError if the script is no
    longer live; ConflictError if no kill-switch version can follow its versions.
    """
    await _check_redirect(uow, script, takedown)
    if takedown.mode is TakedownMode.BLANK:
        await _publish_kill_switch(uow, script, now)
    if not await uow.scripts.take_down(script.id, takedown, now):
        raise NotFoundError("Script not found.")


async def _check_redirect(uow: UnitOfWork, script: Script, takedown: Takedown) -> None:
    if takedown.mode is not TakedownMode.REDIRECT:
        if takedown.redirect_to is not None:
            raise ValidationError.single("redirect_to", "is only for the mode `redirect`")
        return
    if takedown.redirect_to is None:
        raise ValidationError.single("redirect_to", "is required with the mode `redirect`")
    if takedown.redirect_to == script.id:
        raise ValidationError.single("redirect_to", "must be another script than this one")
    target = await uow.scripts.get(takedown.redirect_to)
    if target is None or target.seen_as is not Visibility.PUBLIC or target.latest_version is None:
        raise ValidationError.single("redirect_to", "must be a public script with a version")


async def _publish_kill_switch(uow: UnitOfWork, script: Script, now: datetime) -> None:
    # A write changing nothing first: the script's lock, so that a version (a beta, which
    # leaves the latest stable one alone) committing meanwhile is among the versions the
    # kill switch must follow, or is refused once the script is taken down.
    if await uow.scripts.edit(script.id, ScriptChanges(), now) is None:
        raise NotFoundError("Script not found.")
    latest = await uow.scripts.latest_code(script.id)
    if latest is None:
        raise NotFoundError("Script not found.")
    version = kill_switch_version(await uow.scripts.version_names(script.id))
    # The latest version's code is up to 2 MiB to read: off the event loop.
    code = await asyncio.to_thread(_kill_switch_of, latest, script.name, version)
    problems = Problems()
    draft = draft_version(code, version, KILL_SWITCH_CHANGELOG, problems)
    if draft is None:  # pragma: no cover - the kill switch is built to pass
        raise ValidationError(problems.found)
    await stage_version(uow, draft, script.id, latest, now)


def _kill_switch_of(latest: VersionCode, name: str, version: str) -> str:
    return kill_switch_code(parse_metadata(latest.code), name, version)
