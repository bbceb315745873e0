"""Serving a script's code: the update URLs it points at, what a current copy costs, what is
an install, and who may read it."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from datetime import timedelta

import pytest

from scripthub.adapters.memory import InMemoryPreparedCodeCache
from scripthub.application.accounts import Principal
from scripthub.application.ports.install_counter import install_client
from scripthub.application.ports.prepared_code import PreparedCode
from scripthub.application.ports.scripts import ScriptChanges
from scripthub.application.scripts import read_script_code, read_version_code
from scripthub.application.scripts.edit_script import EditScriptCommand
from scripthub.application.scripts.read_script_code import ReadScriptCode, ReadScriptCodeQuery
from scripthub.application.scripts.read_version_code import ReadVersionCodeQuery
from scripthub.application.scripts.served_code import (
    CodeForm,
    Held,
    ServedCode,
    UpdateUrls,
    prepare_code,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Language, Script, Visibility
from scripthub.domain.users import User
from tests.contract.samples import T0, make_user
from tests.script_builders import add_scripts, make_script, make_version
from tests.unit.world import OPERATOR, World
from tests.userscripts import installable

API = "https://api.scripthub.test/api/scripts"
HERE = RequestContext(ip_address="198.51.100.7")
CSS = "/* ==UserStyle==\n@name Dark\n@version 1.0\n==/UserStyle== */\nbody { color: red }\n"


async def seeded(
    world: World,
    versions: list[tuple[str, str]] | None = None,
    *,
    owner: User | None = None,
    visibility: Visibility = Visibility.PUBLIC,
    language: Language = Language.JAVASCRIPT,
) -> Script:
    """A script named Dark Mode, with `versions` ((version, code), oldest first) published a
    minute apart after T0."""
    script = make_script(
        owner or make_user("owner"), "Dark Mode", visibility=visibility, language=language
    )
    published = [
        make_version(script, version, code=code, at=T0 + timedelta(minutes=number))
        for number, (version, code) in enumerate(versions or [("1.0", installable())], start=1)
    ]
    await add_scripts(world.uow, script, versions=published)
    return script


async def read(
    world: World,
    script: Script,
    form: CodeForm = CodeForm.CODE,
    viewer: Principal | None = None,
    **fields: object,
) -> ServedCode:
    query = ReadScriptCodeQuery(str(script.id), viewer, HERE, form)
    read = await world.read_script_code().execute(dataclasses.replace(query, **fields))
    return read.served


async def pending(world: World) -> dict[uuid.UUID, int]:
    """The installs counted since the last call (a flush, without the totals)."""
    claimed = await world.install_counter.claim(world.clock.now())
    if claimed is None:
        return {}
    assert await world.install_counter.settle(claimed.claim)
    return claimed.counts


async def test_the_code_points_its_update_urls_at_us_and_is_otherwise_as_published(
    world: World,
) -> None:
    code = installable(eol="\r\n") + "// @updateURL in the body is not the header\r\n"
    script = await seeded(world, [("1.0", code)])

    answer = await read(world, script)

    assert answer.body is not None
    base = f"{API}/{script.id}/dark-mode"
    header, rest = answer.body.decode().split("// ==/UserScript==\r\n")
    assert header.endswith(
        f"// @updateURL    {base}.meta.js\r\n// @downloadURL  {base}.user.js\r\n"
    )
    assert header.startswith(code.split("// ==/UserScript==")[0])
    assert rest == code.split("// ==/UserScript==\r\n")[1]
    assert answer.tag.startswith(f"{hashlib.sha256(code.encode()).hexdigest()}.")
    assert answer.last_modified == T0 + timedelta(minutes=1)
    assert answer.shared


async def test_the_meta_block_has_no_data_icons_and_its_own_tag(world: World) -> None:
    script = await seeded(world)

    answer = await read(world, script, CodeForm.META)
    code = await read(world, script)

    assert answer.body is not None
    assert answer.body.startswith(b"// ==UserScript==\n// @name         Dark Mode\n")
    assert answer.body.endswith(f"{script.id}/dark-mode.user.js\n// ==/UserScript==\n".encode())
    assert b"data:" not in answer.body
    assert b"document.body" not in answer.body
    assert answer.tag == f"{code.tag}-meta"


async def test_user_styles_update_from_css_urls(world: World) -> None:
    script = await seeded(world, [("1.0", CSS)], language=Language.CSS)

    answer = await read(world, script, CodeForm.META)

    assert answer.body is not None
    assert f"@updateURL {API}/{script.id}/dark-mode.meta.css\n" in answer.body.decode()
    assert f"@downloadURL {API}/{script.id}/dark-mode.user.css\n" in answer.body.decode()
    plain_css = dataclasses.replace(script, language=Language.CSS)
    assert UpdateUrls.of("https://x.test", plain_css, "body {}").download.endswith(".user.css")
    javascript = dataclasses.replace(script, language=Language.JAVASCRIPT)
    assert UpdateUrls.of("https://x.test", javascript, "print(1)").download.endswith(".user.js")


async def test_without_a_block_meta_is_not_found_and_an_update_check_gets_the_code(
    world: World,
) -> None:
    script = await seeded(world, [("1.0", "print('no block')\n")], language=Language.PYTHON)

    with pytest.raises(NotFoundError):
        await read(world, script, CodeForm.META)
    check = await read(world, script, CodeForm.UPDATE_CHECK)

    assert check.body == b"print('no block')\n"
    assert check.tag.endswith("-meta")
    assert await pending(world) == {}


async def test_a_current_copy_gets_no_body_and_is_no_install(world: World) -> None:
    script = await seeded(world, [("1.0", installable()), ("1.1", installable("1.1"))])
    fresh = await read(world, script)
    await pending(world)

    by_tag = await read(world, script, held=Held(tags=frozenset({"old", fresh.tag})))
    by_any = await read(world, script, held=Held(any_tag=True))
    by_date = await read(world, script, held=Held(modified_since=T0 + timedelta(minutes=2)))
    stale = await read(world, script, held=Held(tags=frozenset({"old"})))
    older = await read(world, script, held=Held(modified_since=T0 + timedelta(minutes=1)))

    assert (by_tag.body, by_any.body, by_date.body) == (None, None, None)
    assert by_tag.tag == fresh.tag
    assert by_tag.last_modified == T0 + timedelta(minutes=2)
    assert stale.body == older.body == fresh.body
    assert await pending(world) == {}  # the two full answers were the same client's


async def test_an_install_counts_once_a_day_per_user_or_address(world: World) -> None:
    script = await seeded(world)
    ada = await world.principal(await world.register())
    bob = await world.principal(await world.register("bob@example.com", "bob"))

    for viewer in (ada, ada, bob, None, None):
        await read(world, script, viewer=viewer)
    await read(world, script, context=RequestContext(ip_address="203.0.113.9"))
    await read(world, script, download=False, context=RequestContext(ip_address="192.0.2.1"))
    await read(world, script, CodeForm.META, context=RequestContext(ip_address="192.0.2.2"))
    await read(world, script, context=RequestContext())  # no address: nobody to count

    assert await pending(world) == {script.id: 4}
    world.clock.advance(timedelta(hours=24, seconds=1))
    await read(world, script, viewer=ada)
    assert await pending(world) == {script.id: 1}
    assert not await world.install_counter.record(
        script.id, install_client(ada.user_id, ""), world.clock.now()
    )


async def test_a_private_script_is_its_owners_and_moderators_only(world: World) -> None:
    owner = await world.principal(await world.register())
    other = await world.principal(await world.register("bob@example.com", "bob"))
    moderator = await world.admin()
    owner_user = world.database.users[owner.user_id]
    script = await seeded(world, owner=owner_user, visibility=Visibility.PRIVATE)

    for viewer in (None, other):
        with pytest.raises(NotFoundError):
            await read(world, script, viewer=viewer)
    answer = await read(world, script, viewer=owner)
    await read(world, script, viewer=moderator)

    assert not answer.shared
    with pytest.raises(NotFoundError):
        await world.read_version_code().execute(ReadVersionCodeQuery(str(script.id), "1.0", other))


async def test_a_deleted_or_versionless_script_has_no_code(world: World) -> None:
    script = await seeded(world)
    async with world.uow() as uow:
        await uow.scripts.delete(script.id, T0 + timedelta(hours=1))
        empty = make_script(make_user("owner"), "Empty")
        await uow.scripts.add(empty)
        await uow.commit()

    for gone in (script, empty):
        with pytest.raises(NotFoundError):
            await read(world, gone)


async def test_a_version_is_pinned_and_revalidates_without_its_code(world: World) -> None:
    script = await seeded(world, [("1.0", installable()), ("1.1", installable("1.1"))])
    read_version = world.read_version_code()

    answer = await read_version.execute(ReadVersionCodeQuery(script.slug, "1.0", None))
    held = Held(tags=frozenset({answer.tag}))
    again = await read_version.execute(ReadVersionCodeQuery(script.slug, "1.0", None, held))

    assert answer.body is not None
    assert b"// @version      1.0\n" in answer.body
    assert answer.body.decode().endswith(
        "// @updateURL    none\n// @downloadURL  none\n// ==/UserScript==\n\n"
        "document.body.style.background = 'black'; // ünïcödé ✓\n"
    )
    assert answer.tag == hashlib.sha256(installable().encode()).hexdigest()  # nothing else
    assert answer.last_modified == T0 + timedelta(minutes=1)
    assert again.body is None
    assert again.tag == answer.tag


@pytest.mark.parametrize("version", ["9.9", "", "1.0\x00", "x" * 300, "1.0\n"])
async def test_an_unknown_or_absurd_version_is_not_found(world: World, version: str) -> None:
    script = await seeded(world)

    with pytest.raises(NotFoundError):
        await world.read_version_code().execute(ReadVersionCodeQuery(str(script.id), version, None))


@pytest.mark.parametrize("name", ["dark\x00mode", "DARK-MODE", "dark mode", "x" * 100])
async def test_a_name_that_is_no_slug_finds_nothing(world: World, name: str) -> None:
    await seeded(world)

    with pytest.raises(NotFoundError):
        await world.read_script_code().execute(ReadScriptCodeQuery(name, None, HERE))


async def test_a_new_slug_language_or_public_url_is_new_code_with_a_new_tag(
    world: World,
) -> None:
    script = await seeded(world)
    before = await read(world, script)
    held = Held(tags=frozenset({before.tag}))
    edit = EditScriptCommand(OPERATOR, script.id, ScriptChanges(slug="dark-mode-2"))
    await world.edit_script().execute(edit)

    after = await read(world, script, held=held)
    styled = EditScriptCommand(OPERATOR, script.id, ScriptChanges(language=Language.CSS))
    await world.edit_script().execute(styled)
    as_css = await read(world, script)
    moved = ReadScriptCode(
        world.uow,
        world.use_cases.latest_code(),
        InMemoryPreparedCodeCache(),
        world.install_counter,
        world.clock,
        "https://elsewhere.test",
    )
    elsewhere = (await moved.execute(ReadScriptCodeQuery(str(script.id), None, HERE))).served

    assert before.body is not None
    assert after.body is not None
    assert after.body == before.body.replace(b"/dark-mode.", b"/dark-mode-2.")
    assert len({before.tag, after.tag, as_css.tag, elsewhere.tag}) == 4
    assert after.body == as_css.body  # a block says it is a script: the language does not
    assert elsewhere.body == after.body.replace(
        b"https://api.scripthub.test", b"https://elsewhere.test"
    )


async def test_a_version_is_read_and_prepared_once_then_served_without_sql(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = await seeded(world)
    prepared: list[str] = []

    def preparing(public_url: str, script: Script, code: str) -> PreparedCode:
        prepared.append(code)
        return prepare_code(public_url, script, code)

    monkeypatch.setattr(read_script_code, "prepare_code", preparing)
    first = await read(world, script)
    meta = await read(world, script, CodeForm.META)

    async def no_sql(*_: object) -> Script:
        raise AssertionError("the database was read")

    monkeypatch.setattr(read_script_code, "load_served_script", no_sql)
    again = [await read(world, script, form) for form in CodeForm]

    assert prepared == [installable()]
    assert [answer.body for answer in again] == [first.body, meta.body, meta.body]
    assert await pending(world) == {script.id: 1}  # served from memory, still counted


async def test_a_pinned_version_is_prepared_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = await seeded(world)
    query = ReadVersionCodeQuery(script.slug, "1.0", None)
    prepared: list[str] = []
    prepare = read_version_code._pinned_code

    def preparing(code: str) -> PreparedCode:
        prepared.append(code)
        return prepare(code)

    monkeypatch.setattr(read_version_code, "_pinned_code", preparing)
    first = await world.read_version_code().execute(query)
    again = await world.read_version_code().execute(query)

    assert prepared == [installable()]
    assert again == first
    assert first.body is not None
    assert b"// @updateURL    none\n" in first.body


def test_prepared_code_keeps_the_most_recently_used_within_its_bytes() -> None:
    cache = InMemoryPreparedCodeCache(max_bytes=10)
    cache.put("a", PreparedCode(b"aaaa", b"a"))
    cache.put("b", PreparedCode(b"bbbb", None))
    assert cache.get("a") is not None  # now the most recent
    cache.put("c", PreparedCode(b"cccc", None))
    cache.put("huge", PreparedCode(b"h" * 11, None))

    assert cache.get("b") is None
    assert cache.get("huge") is None
    assert cache.get("a") == PreparedCode(b"aaaa", b"a")
    assert cache.get("c") == PreparedCode(b"cccc", None)


def test_held_copies_compare_tags_before_dates() -> None:
    at = T0
    assert Held(any_tag=True).is_current("a", at)
    assert Held(tags=frozenset({"a"})).is_current("a", at)
    assert not Held(tags=frozenset({"b"}), modified_since=at).is_current("a", at)
    assert Held(modified_since=at.replace(microsecond=0)).is_current("a", at)
    assert not Held(modified_since=at - timedelta(seconds=1)).is_current("a", at)
    assert not Held().is_current("a", at)
