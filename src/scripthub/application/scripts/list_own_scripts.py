"""Page through one's own scripts."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.pagination import Page
from scripthub.application.ports.scripts import ScriptQuery, ScriptSort
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.cursors import decode_script_cursor, script_page
from scripthub.domain.scripts import Script, Visibility


@dataclass(frozen=True)
class ListOwnScriptsQuery:
    principal: Principal
    cursor: str | None = None
    limit: int = 20


class ListOwnScripts:
    """A page of the caller's scripts in every visibility (deleted ones aside), newest
    first."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, query: ListOwnScriptsQuery) -> Page[Script]:
        search = ScriptQuery(
            owner_id=query.principal.user_id,
            visibilities=frozenset(Visibility),
            sort=ScriptSort.NEWEST,
            after=decode_script_cursor(query.cursor),
            limit=query.limit,
        )
        async with self._uow_factory() as uow:
            return script_page(await uow.scripts.search(search))
