"""Which scripts an actor may see: what every read of a script, its versions or its code
shares."""

from __future__ import annotations

import uuid

from scripthub.application.accounts import Actor, Principal
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.errors import NotFoundError
from scripthub.domain.roles import SCRIPTS_UPDATE_ANY
from scripthub.domain.scripts import SLUG_PATTERN, Script, ScriptName, Visibility
from scripthub.domain.version_channels import Channel


def may_see(script: Script, actor: Actor | None) -> bool:
    """Public and unlisted scripts are anyone's to read; a private one (or one whose owner is
    suspended) only its owner's, its co-authors' and that of holders of
    `scripts.update_any`."""
    if script.seen_as is not Visibility.PRIVATE:
        return True
    return actor is not None and (
        script.may_publish(actor.user_id) or actor.may(SCRIPTS_UPDATE_ANY.name)
    )


def cache_name(id_or_slug: str) -> str:
    """What names the script in caches: its id in canonical form (a route takes any form
    `uuid.UUID` reads), else the slug as given."""
    try:
        return str(uuid.UUID(id_or_slug))
    except ValueError:
        return id_or_slug


def channel_cache_name(name: str, channel: Channel) -> str:
    """What names a script's `channel` in caches: `name` (`cache_name`) for the stable one,
    `beta/{name}` for the beta one (no id or slug has a `/`)."""
    return name if channel is Channel.STABLE else f"{channel}/{name}"


def cache_names(*scripts: Script | ScriptName) -> set[str]:
    """Every name of these scripts in caches, on every channel (one script as it was and as
    it is now, after an edit: its old slug too)."""
    return {
        channel_cache_name(name, channel)
        for script in scripts
        for name in (str(script.id), script.slug)
        for channel in Channel
    }


async def find_script(uow: UnitOfWork, id_or_slug: str) -> Script | None:
    """The live script with this id, or else with this slug (no query for what cannot be
    one, such as text with a NUL, which PostgreSQL would refuse)."""
    try:
        script_id = uuid.UUID(id_or_slug)
    except ValueError:
        if not SLUG_PATTERN.fullmatch(id_or_slug):  # names nothing; NUL would upset the driver
            return None
        return await uow.scripts.get_by_slug(id_or_slug)
    return await uow.scripts.get(script_id)


async def load_visible_script(uow: UnitOfWork, id_or_slug: str, actor: Actor | None) -> Script:
    """The script, if it exists and `actor` (None: anonymous) may see it; else NotFoundError,
    the same for a private script as for a missing one, so that neither leaks. A token that
    does not cover a script it may see: TokenScopeError."""
    script = await find_script(uow, id_or_slug)
    if script is None or not may_see(script, actor):
        raise NotFoundError("Script not found.")
    require_token_covers(script, actor)
    return script


def require_token_covers(script: Script, actor: Actor | None) -> None:
    """TokenScopeError if a personal access token acts on a script it does not cover."""
    if isinstance(actor, Principal) and actor.token is not None:
        actor.token.require_covers(script.id)
