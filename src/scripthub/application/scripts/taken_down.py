"""What the code routes answer for a script moderation took down (`domain.takedowns`)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING

from scripthub.application.scripts.access import (
    load_visible_script,
    may_see,
    require_token_covers,
)
from scripthub.domain.errors import GoneError, NotFoundError, ScriptMovedError
from scripthub.domain.takedowns import TakedownMode

if TYPE_CHECKING:
    from scripthub.application.accounts import Actor
    from scripthub.application.ports.unit_of_work import UnitOfWork
    from scripthub.domain.scripts import Script

MOVED_DETAIL = "This script was taken down by ScriptHub's moderators; its code moved."
GONE_DETAIL = "This script was taken down by ScriptHub's moderators."


async def load_served_script(
    uow: UnitOfWork, id_or_slug: str, actor: Actor | None, file_name: str, public_url: str
) -> Script:
    """The script whose latest code a code route serves: a visible live one
    (`load_visible_script`), or one taken down with a kill switch, which is then its latest
    version. A script taken down otherwise: GoneError (`keep`), or ScriptMovedError
    (`redirect`) to the same file of the other script (`file_name`: `raw`, `meta`, or a
    `{slug}.user.js`-like name).

    Takedowns are found by id only (a deleted script's slug is free for another), and answer
    whatever the state of the owner's account: a suspended author's malware must still reach
    its installed copies' kill switch. A private script's stay 404 to those who may not see it.
    """
    try:
        return await load_visible_script(uow, id_or_slug, actor)
    except NotFoundError:
        taken = await _taken_down(uow, id_or_slug, actor)
        if taken is None or taken.takedown is None:
            raise
    if taken.takedown.mode is TakedownMode.BLANK:
        return taken
    if taken.takedown.mode is TakedownMode.KEEP or taken.takedown.redirect_to is None:
        raise GoneError(GONE_DETAIL)
    target = await uow.scripts.get(taken.takedown.redirect_to)
    if target is None:  # taken down in turn: its own code routes say how
        location = f"{public_url}/api/scripts/{taken.takedown.redirect_to}/{file_name}"
    else:
        location = f"{public_url}/api/scripts/{target.id}/{_moved_file(file_name, target.slug)}"
    raise ScriptMovedError(MOVED_DETAIL, location)


async def require_not_taken_down(uow: UnitOfWork, id_or_slug: str, actor: Actor | None) -> None:
    """GoneError if moderation took this script down (for the routes of its versions, which
    every takedown ends); else nothing."""
    if await _taken_down(uow, id_or_slug, actor) is not None:
        raise GoneError(GONE_DETAIL)


async def _taken_down(uow: UnitOfWork, id_or_slug: str, actor: Actor | None) -> Script | None:
    try:
        script_id = uuid.UUID(id_or_slug)
    except ValueError:
        return None
    taken = await uow.scripts.get_taken_down(script_id)
    if taken is None:
        return None
    shown = dataclasses.replace(taken, owner_active=True)
    if not may_see(shown, actor):
        return None
    require_token_covers(shown, actor)
    return shown


def _moved_file(file_name: str, slug: str) -> str:
    """The other script's file of the same kind: `raw` and `meta` as they are, a
    `{slug}.user.js`-like name with its slug."""
    if "." not in file_name:
        return file_name
    _, kind, extension = file_name.rsplit(".", 2)
    return f"{slug}.{kind}.{extension}"
