"""Reading scripts: one by id or slug, the catalogue, one's own, and a script's versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from scripthub.application.accounts import Principal
from scripthub.application.pagination import Page
from scripthub.application.ports.scripts import ScriptSort
from scripthub.application.scripts.get_script import GetScriptQuery
from scripthub.application.scripts.list_own_scripts import ListOwnScriptsQuery
from scripthub.application.scripts.list_scripts import ListScriptsQuery
from scripthub.application.scripts.list_versions import ListScriptVersionsQuery
from scripthub.domain.errors import BadRequestError, NotFoundError
from scripthub.domain.scripts import Language, Script, Visibility
from tests.unit.test_script_publishing import create, publish
from tests.unit.world import World
from tests.userscripts import userscript


async def listed(world: World, **filters: Any) -> list[str]:
    page: Page[Script] = await world.list_scripts().execute(ListScriptsQuery(**filters))
    return [script.name for script in page.items]


async def every_page(world: World, **filters: Any) -> list[str]:
    """Page through the catalogue two at a time, following the cursors."""
    names: list[str] = []
    cursor = None
    while True:
        query = ListScriptsQuery(**filters, cursor=cursor, limit=2)
        page: Page[Script] = await world.list_scripts().execute(query)
        names += [script.name for script in page.items]
        if page.next_cursor is None:
            return names
        cursor = page.next_cursor


async def delete(world: World, script: Script) -> None:
    async with world.uow() as uow:
        await uow.scripts.delete(script.id, world.clock.now())
        await uow.commit()


async def test_a_script_is_read_by_id_or_slug_as_its_visibility_allows(world: World) -> None:
    ada = await world.member()
    bob = await world.member("bob")
    moderator = await world.member("mod", role="moderator")
    scripts = {
        visibility: await create(world, ada, name=f"{visibility} one", visibility=visibility)
        for visibility in Visibility
    }
    get = world.get_script().execute

    for viewer in (None, bob, ada, moderator):
        for key in (str(scripts[Visibility.PUBLIC].id), "public-one", "unlisted-one"):
            assert (await get(GetScriptQuery(viewer, key))).slug in {"public-one", "unlisted-one"}
    for viewer in (ada, moderator):
        assert (await get(GetScriptQuery(viewer, "private-one"))).owner_username == "ada"
    for stranger in (None, bob):
        for key in ("private-one", str(scripts[Visibility.PRIVATE].id)):
            with pytest.raises(NotFoundError):
                await get(GetScriptQuery(stranger, key))


# A well-formed id that no script has; fixed, since every pytest-xdist worker must collect the
# same test ids.
@pytest.mark.parametrize(
    "key", ["nothing-here", "8209a5c1-c7bb-48fd-bc8f-5e4fa15f958c", "ab", "nul\x00", "UPPER"]
)
async def test_unknown_or_impossible_keys_are_not_found(world: World, key: str) -> None:
    await create(world, await world.member())

    with pytest.raises(NotFoundError):
        await world.get_script().execute(GetScriptQuery(None, key))


async def test_a_deleted_script_is_not_found_even_by_its_owner(world: World) -> None:
    ada = await world.member()
    script = await create(world, ada)
    await delete(world, script)

    for key in (str(script.id), script.slug):
        with pytest.raises(NotFoundError):
            await world.get_script().execute(GetScriptQuery(ada, key))
    with pytest.raises(NotFoundError):
        await world.list_script_versions().execute(ListScriptVersionsQuery(ada, script.id))


async def test_the_catalogue_lists_public_scripts_only(world: World) -> None:
    ada = await world.member()
    for visibility in Visibility:
        await create(world, ada, name=f"{visibility} one", visibility=visibility)
    await delete(world, await create(world, ada, name="deleted one"))

    assert await listed(world) == ["public one"]


async def test_the_catalogue_filters(world: World) -> None:
    ada, bob = await world.member(), await world.member("bob")
    await create(world, ada, name="Ada JS", tags=["dark", "theme"])
    world.clock.advance(timedelta(seconds=1))
    await create(world, ada, name="Ada Lua", language=Language.LUA, tags=["game"])
    world.clock.advance(timedelta(seconds=1))
    flagged = userscript("1.0", "antifeature ads")
    await create(world, bob, name="Bob JS", code=flagged, description="Dark pages everywhere")
    async with world.uow() as uow:
        (bobs,) = [s for s in world.database.scripts.values() if s.name == "Bob JS"]
        await uow.scripts.set_featured(bobs.id, featured=True)
        await uow.commit()

    assert await listed(world, author="ADA ") == ["Ada Lua", "Ada JS"]
    assert await listed(world, author="nobody") == []
    assert await listed(world, author="no such user!") == []
    assert await listed(world, author=" ") == ["Bob JS", "Ada Lua", "Ada JS"]
    assert await listed(world, tag="Dark") == ["Ada JS"]
    assert await listed(world, tag="no tag at all") == []
    assert await listed(world, language=Language.LUA) == ["Ada Lua"]
    assert await listed(world, featured=True) == ["Bob JS"]
    assert await listed(world, featured=False) == ["Ada Lua", "Ada JS"]
    assert await listed(world, without_antifeatures=True) == ["Ada Lua", "Ada JS"]
    assert await listed(world, text="dark") == ["Ada JS", "Bob JS"]  # tags outrank description
    assert await listed(world, text="dark", sort=ScriptSort.NAME) == ["Ada JS", "Bob JS"]
    assert await listed(world, text="dark", author="bob") == ["Bob JS"]
    assert await listed(world, text="  ") == ["Bob JS", "Ada Lua", "Ada JS"]
    assert await listed(world, text="!!!") == []


async def test_relevance_is_the_default_with_search_text_and_newest_without(
    world: World,
) -> None:
    ada = await world.member()
    await create(world, ada, name="Dark", tags=["theme"])
    world.clock.advance(timedelta(minutes=1))
    await create(world, ada, name="Theme", description="dark")
    world.clock.advance(timedelta(minutes=1))
    await create(world, ada, name="Other")

    assert await listed(world, text="dark") == ["Dark", "Theme"]
    assert await listed(world) == ["Other", "Theme", "Dark"]
    assert await listed(world, sort=ScriptSort.RELEVANCE) == ["Other", "Theme", "Dark"]


@pytest.mark.parametrize("sort", [None, *ScriptSort])
@pytest.mark.parametrize("text", [None, "dark"])
async def test_every_order_pages_through_everything_once(
    world: World, sort: ScriptSort | None, text: str | None
) -> None:
    ada = await world.member()
    for number in range(7):
        # Ties on every key but the id: the cursors must still never repeat or skip.
        await create(world, ada, name=f"Dark {number % 2}", description="dark " * (number % 3))

    names = await every_page(world, sort=sort, text=text)

    assert sorted(names) == sorted(await listed(world, sort=sort, text=text))
    assert len(names) == 7


@pytest.mark.parametrize(
    "filters",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "bmV3ZXN0fG5vdC1hbi1pZHx4"},
        {"text": "tab\there"},
        {"tag": "nul\x00"},
        {"author": "esc\x1b"},
        {"text": "x" * 201},
    ],
)
async def test_bad_cursors_and_filters_are_bad_requests(
    world: World, filters: dict[str, Any]
) -> None:
    with pytest.raises(BadRequestError):
        await listed(world, **filters)


async def test_a_cursor_of_another_order_is_a_bad_request(world: World) -> None:
    ada = await world.member()
    for number in range(3):
        await create(world, ada, name=f"Script {number}")
    first = await world.list_scripts().execute(ListScriptsQuery(limit=1))
    assert first.next_cursor is not None

    with pytest.raises(BadRequestError):
        await listed(world, sort=ScriptSort.NAME, cursor=first.next_cursor)


async def test_ones_own_scripts_in_every_visibility_newest_first(world: World) -> None:
    ada, bob = await world.member(), await world.member("bob")
    for visibility in Visibility:
        await create(world, ada, name=f"{visibility} one", visibility=visibility)
        world.clock.advance(timedelta(seconds=1))
    await create(world, bob, name="Bob's")
    await delete(world, await create(world, ada, name="deleted one"))

    names: list[str] = []
    cursor = None
    while True:
        query = ListOwnScriptsQuery(ada, cursor=cursor, limit=2)
        page = await world.list_own_scripts().execute(query)
        names += [script.name for script in page.items]
        if (cursor := page.next_cursor) is None:
            break

    assert names == ["private one", "unlisted one", "public one"]


async def test_versions_page_newest_first(world: World) -> None:
    ada = await world.member()
    script = await create(world, ada)
    for minor in range(1, 5):
        await publish(world, ada, script.id, userscript(f"1.{minor}"))

    versions: list[str] = []
    cursor = None
    while True:
        query = ListScriptVersionsQuery(None, script.id, cursor=cursor, limit=2)
        page = await world.list_script_versions().execute(query)
        versions += [version.version for version in page.items]
        if (cursor := page.next_cursor) is None:
            break

    assert versions == ["1.4", "1.3", "1.2", "1.1", "1.0"]
    with pytest.raises(BadRequestError):
        await world.list_script_versions().execute(
            ListScriptVersionsQuery(None, script.id, cursor="nope")
        )


async def test_the_versions_of_a_private_script_are_its_owners(world: World) -> None:
    ada, bob = await world.member(), await world.member("bob")
    script = await create(world, ada, visibility=Visibility.PRIVATE)
    viewers: list[Principal | None] = [None, bob]

    for viewer in viewers:
        with pytest.raises(NotFoundError):
            await world.list_script_versions().execute(ListScriptVersionsQuery(viewer, script.id))
    page = await world.list_script_versions().execute(ListScriptVersionsQuery(ada, script.id))
    assert [version.version for version in page.items] == ["1.0"]
