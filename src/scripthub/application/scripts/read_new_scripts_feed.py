"""The catalogue's newest scripts, for the Atom feed of new scripts."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.ports.scripts import ScriptQuery, ScriptSort
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.read_version_feed import FEED_SIZE
from scripthub.domain.scripts import Script


@dataclass(frozen=True)
class NewScriptsFeedQuery:
    """The feed is the same for everyone: nothing to ask."""


@dataclass(frozen=True)
class NewScriptsFeed:
    """What the feed of new scripts is made of."""

    public_url: str
    """Where the API is reached: the feed's links are absolute."""
    scripts: list[Script]
    """At most `FEED_SIZE` public, listed, live scripts of active owners, newest first, each
    with its owner's username."""


class ReadNewScriptsFeed:
    """The newest scripts of the public catalogue, as its first page sorted by `newest`
    lists them (`ScriptRepository.search`: unlisted, private and deleted scripts and those of
    suspended owners never are); one query."""

    def __init__(self, uow_factory: UnitOfWorkFactory, public_url: str) -> None:
        self._uow_factory = uow_factory
        self._public_url = public_url

    async def execute(self, query: NewScriptsFeedQuery) -> NewScriptsFeed:  # noqa: ARG002
        async with self._uow_factory() as uow:
            page = await uow.scripts.search(ScriptQuery(sort=ScriptSort.NEWEST, limit=FEED_SIZE))
        return NewScriptsFeed(self._public_url, page.scripts)
