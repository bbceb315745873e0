"""Read one script."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.domain.scripts import Script


@dataclass(frozen=True)
class GetScriptQuery:
    viewer: Principal | None
    """Who asks; None: an anonymous caller."""
    id_or_slug: str


class GetScript:
    """A script by id or slug, if the viewer may see it (NotFoundError otherwise, as for a
    missing or deleted one); one query."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, query: GetScriptQuery) -> Script:
        async with self._uow_factory() as uow:
            return await load_visible_script(uow, query.id_or_slug, query.viewer)
