"""Page through a script's versions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.pagination import Page, decode_cursor, page_of
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.application.scripts.unpublished import sees_unpublished
from scripthub.domain.scripts import ScriptVersion


@dataclass(frozen=True)
class ListScriptVersionsQuery:
    viewer: Principal | None
    """Who asks; None: an anonymous caller."""
    script_id: uuid.UUID
    cursor: str | None = None
    limit: int = 20


class ListScriptVersions:
    """A page of the versions of a script the viewer may see, newest (latest) first; two
    queries whatever the page size. Versions held for review and rejected ones are listed
    to the script's owner and moderators only (`unpublished.sees_unpublished`)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, query: ListScriptVersionsQuery) -> Page[ScriptVersion]:
        after = decode_cursor(query.cursor)
        async with self._uow_factory() as uow:
            script = await load_visible_script(uow, str(query.script_id), query.viewer)
            versions = await uow.scripts.list_versions(
                script.id,
                after=after,
                limit=query.limit + 1,
                published_only=not sees_unpublished(script, query.viewer),
            )
        return page_of(versions, query.limit, lambda v: Keyset(v.created_at, v.id))
