"""The sites with the most scripts: counted once, answered from the last count, counted
again in the background once it is a minute old."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from scripthub.application.ports.scripts import SiteCount
from scripthub.application.scripts.list_sites import REFRESH_AFTER, ListTopSitesQuery
from scripthub.domain.errors import ServiceUnavailableError
from tests.fakes.scripts import InMemoryScriptRepository
from tests.unit.test_script_publishing import create
from tests.unit.world import World
from tests.userscripts import userscript

if TYPE_CHECKING:
    from scripthub.application.accounts import Principal


async def publish_for(world: World, author: Principal, name: str, host: str) -> None:
    code = userscript("1.0", f"match https://{host}/*", name=name)
    await create(world, author, name=name, code=code)


async def top(world: World, limit: int = 100) -> list[SiteCount]:
    sites: list[SiteCount] = await world.list_top_sites().execute(ListTopSitesQuery(limit))
    return sites


async def background_work_done() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_the_last_count_is_answered_until_a_background_count_replaces_it() -> None:
    world = World()
    author = await world.member()
    await publish_for(world, author, "One", "a.org")
    assert await top(world) == [SiteCount("a.org", 1)]

    await publish_for(world, author, "Two", "b.org")
    await publish_for(world, author, "Three", "b.org")
    assert await top(world) == [SiteCount("a.org", 1)]

    world.clock.advance(REFRESH_AFTER)
    assert await top(world) == [SiteCount("a.org", 1)]  # the old count, while recounting
    await background_work_done()
    assert await top(world) == [SiteCount("b.org", 2), SiteCount("a.org", 1)]
    assert await top(world, limit=1) == [SiteCount("b.org", 2)]


async def test_requests_at_once_share_the_first_count(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World()
    author = await world.member()
    await publish_for(world, author, "One", "a.org")
    counted = 0
    original = InMemoryScriptRepository.top_sites

    async def counting(self: InMemoryScriptRepository, limit: int) -> list[SiteCount]:
        nonlocal counted
        counted += 1
        await asyncio.sleep(0)
        return await original(self, limit)

    monkeypatch.setattr(InMemoryScriptRepository, "top_sites", counting)
    answers = await asyncio.gather(*(top(world) for _ in range(20)))

    assert answers == [[SiteCount("a.org", 1)]] * 20
    assert counted == 1


async def test_a_failed_background_count_keeps_the_last_and_is_tried_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    world = World()
    author = await world.member()
    await publish_for(world, author, "One", "a.org")
    assert await top(world) == [SiteCount("a.org", 1)]
    original = InMemoryScriptRepository.top_sites

    async def failing(self: InMemoryScriptRepository, limit: int) -> list[SiteCount]:
        raise ServiceUnavailableError("database unavailable")

    monkeypatch.setattr(InMemoryScriptRepository, "top_sites", failing)
    world.clock.advance(REFRESH_AFTER)
    assert await top(world) == [SiteCount("a.org", 1)]
    await background_work_done()
    assert "Counting the top sites failed" in caplog.text

    monkeypatch.setattr(InMemoryScriptRepository, "top_sites", original)
    await publish_for(world, author, "Two", "b.org")
    assert await top(world) == [SiteCount("a.org", 1)]
    await background_work_done()
    assert await top(world) == [SiteCount("a.org", 1), SiteCount("b.org", 1)]


async def test_a_failed_first_count_fails_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World()

    async def failing(self: InMemoryScriptRepository, limit: int) -> list[SiteCount]:
        raise ServiceUnavailableError("database unavailable")

    monkeypatch.setattr(InMemoryScriptRepository, "top_sites", failing)
    with pytest.raises(ServiceUnavailableError):
        await top(world)
