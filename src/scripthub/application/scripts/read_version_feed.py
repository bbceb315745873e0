"""A script's published versions, newest first, for its Atom feed."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.application.scripts.taken_down import require_not_taken_down
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Script, ScriptVersion, Visibility

FEED_SIZE = 50
"""How many entries a feed holds: the newest."""


@dataclass(frozen=True)
class ReadVersionFeedQuery:
    id_or_slug: str
    viewer: Principal | None
    """The signed-in caller, or None for an anonymous one."""


@dataclass(frozen=True)
class VersionFeed:
    """What a script's versions feed is made of."""

    public_url: str
    """Where the API is reached: the feed's links are absolute."""
    script: Script
    versions: list[ScriptVersion]
    """At most `FEED_SIZE` published versions, newest first."""

    @property
    def shared(self) -> bool:
        """Whether shared caches may keep the feed (not a private script's)."""
        return self.script.seen_as is not Visibility.PRIVATE


class ReadVersionFeed:
    """The newest published versions of a script whoever may read its versions' raw may
    read (a private script's: its owner's and `scripts.update_any` holders'; NotFoundError
    for anyone else, GoneError for a script moderation took down). Versions held for review
    and rejected ones are never in it, even for the owner: a feed is read by feed readers and
    shared with others, and lists what is served. One unit of work, two queries."""

    def __init__(self, uow_factory: UnitOfWorkFactory, public_url: str) -> None:
        self._uow_factory = uow_factory
        self._public_url = public_url

    async def execute(self, query: ReadVersionFeedQuery) -> VersionFeed:
        async with self._uow_factory() as uow:
            try:
                script = await load_visible_script(uow, query.id_or_slug, query.viewer)
            except NotFoundError:
                await require_not_taken_down(uow, query.id_or_slug, query.viewer)
                raise
            versions = await uow.scripts.list_versions(
                script.id, limit=FEED_SIZE, published_only=True
            )
        return VersionFeed(self._public_url, script, versions)
