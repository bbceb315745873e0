"""Publishing scripts and their versions, on in-process adapters."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from scripthub.application.accounts import Principal
from scripthub.application.scripts import publishing
from scripthub.application.scripts.create_script import CreateScriptCommand
from scripthub.application.scripts.list_versions import ListScriptVersionsQuery
from scripthub.application.scripts.publish_version import PublishScriptVersionCommand
from scripthub.domain import script_versions
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    AccountSuspendedError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    SlugTakenError,
    ValidationError,
)
from scripthub.domain.roles import Grants
from scripthub.domain.scripts import MAX_CODE_BYTES, Language, Script, ScriptVersion, Visibility
from scripthub.domain.users import AccountStatus
from scripthub.domain.userscript_metadata import Metadata
from tests.fakes.scripts import InMemoryScriptRepository
from tests.unit.world import World
from tests.userscripts import userscript

CONTEXT = RequestContext("198.51.100.7", "pytest")


async def create(world: World, principal: Principal, **fields: Any) -> Script:
    values: dict[str, Any] = {
        "name": "Dark Mode",
        "code": userscript(),
        "language": Language.JAVASCRIPT,
        "context": CONTEXT,
        **fields,
    }
    return await world.create_script().execute(CreateScriptCommand(principal, **values))  # type: ignore[no-any-return]


async def publish(
    world: World, principal: Principal, script_id: uuid.UUID, code: str, **fields: Any
) -> ScriptVersion:
    command = PublishScriptVersionCommand(principal, script_id, code, context=CONTEXT, **fields)
    return await world.publish_script_version().execute(command)  # type: ignore[no-any-return]


async def versions_of(world: World, principal: Principal, script_id: uuid.UUID) -> list[str]:
    query = ListScriptVersionsQuery(principal, script_id, limit=100)
    page = await world.list_script_versions().execute(query)
    return [version.version for version in page.items]


def problem_fields(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [problem.field for problem in error.value.problems]


async def test_a_new_script_is_published_with_its_first_version(world: World) -> None:
    ada = await world.member()
    code = userscript("1.0", "match https://a.example/*", "grant GM_getValue", "antifeature ads")

    script = await create(
        world,
        ada,
        code=code,
        changelog="First",
        description="Makes pages dark.",
        license="MIT",
        tags=["Dark", "theme", "dark"],
        visibility=Visibility.UNLISTED,
    )

    assert (script.slug, script.name, script.owner_id) == ("dark-mode", "Dark Mode", ada.user_id)
    assert script.owner_username == "ada"
    assert (script.license, script.tags, script.visibility) == (
        "MIT",
        ["dark", "theme"],
        "unlisted",
    )
    assert script.antifeatures == ["ads"]
    assert script.latest_version is not None
    assert script.latest_version.version == "1.0"
    assert script.latest_version.sha256 == hashlib.sha256(code.encode()).hexdigest()
    page = await world.list_script_versions().execute(ListScriptVersionsQuery(ada, script.id))
    (version,) = page.items
    assert version.changelog == "First"
    assert version.size == len(code.encode())
    assert version.widened is None
    assert version.metadata == {
        "name": "Dark Mode",
        "version": "1.0",
        "match": ["https://a.example/*"],
        "grant": ["GM_getValue"],
        "antifeature": ["ads"],
    }
    created, published = sorted(
        (e for e in world.database.audit_entries.values() if e.action.startswith("script.")),
        key=lambda e: e.action,
    )
    assert [(e.action, e.resource_id, e.actor_id) for e in (created, published)] == [
        ("script.created", str(script.id), ada.user_id),
        ("script.version_published", str(script.id), ada.user_id),
    ]
    assert created.metadata == {"slug": "dark-mode", "version": "1.0"}
    assert published.metadata == {"version": "1.0", "version_id": str(version.id)}
    assert published.ip_address == "198.51.100.7"


@pytest.mark.parametrize(
    ("code", "version", "expected"),
    [
        (userscript("2.0"), None, "2.0"),
        (userscript(None), "2.0", "2.0"),
        ("plain code without a metadata block", " 2.0 ", "2.0"),
        (userscript("2.0"), "2.0", "2.0"),
        (userscript(""), "2.0", "2.0"),  # an empty @version declares nothing
    ],
)
async def test_the_version_comes_from_the_body_or_the_code(
    world: World, code: str, version: str | None, expected: str
) -> None:
    script = await create(world, await world.member(), code=code, version=version)

    assert script.latest_version is not None
    assert script.latest_version.version == expected


@pytest.mark.parametrize(
    ("code", "version", "message"),
    [
        (userscript(None), None, "is required"),
        ("no block", None, "is required"),
        (userscript("2.0"), "2.1", "must agree"),
        (userscript("1.0 beta"), None, "@version '1.0 beta'"),
        (userscript(None), "1.0/2", "must be 1 to 64 characters"),
        (userscript(None), "1" * 65, "must be 1 to 64 characters"),
        (userscript(None), "1.0\n", None),  # trimmed: fine
    ],
)
async def test_a_version_needs_one_agreed_valid_string(
    world: World, code: str, version: str | None, message: str | None
) -> None:
    ada = await world.member()
    if message is None:
        await create(world, ada, code=code, version=version)
        return

    with pytest.raises(ValidationError, match=message) as error:
        await create(world, ada, code=code, version=version)

    assert problem_fields(error) == ["version"]


async def test_every_field_problem_is_reported_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        await create(
            world,
            await world.member(),
            name=" ",
            code="",
            slug="No Spaces",
            description="x" * 5001,
            license="MIT license",
            tags=["ok", "not ok"],
            changelog="bell\x07",
        )

    assert problem_fields(error) == [
        "name",
        "description",
        "license",
        "tags[1]",
        "slug",
        "code",
        "changelog",
    ]
    assert not world.database.scripts


@pytest.mark.parametrize(
    ("code", "field"),
    [("", "code"), ("nul\x00here", "code"), ("lone \ud800 surrogate", "code")],
)
async def test_code_must_be_utf8_text_without_nul(world: World, code: str, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        await create(world, await world.member(), code=code, version="1.0")

    assert problem_fields(error) == [field]


async def test_code_of_2_mib_passes_and_a_byte_more_is_too_large(world: World) -> None:
    ada = await world.member()
    head = userscript("1.0")
    exact = head + "x" * (MAX_CODE_BYTES - len(head))

    script = await create(world, ada, code=exact)
    with pytest.raises(PayloadTooLargeError):
        await create(world, ada, name="", code=exact + "x")  # 413 whatever else is wrong

    assert script.latest_version is not None
    with pytest.raises(PayloadTooLargeError):
        await publish(world, ada, script.id, exact.replace("1.0", "1.1") + "x")


async def test_code_is_read_off_the_event_loop(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading the code waits until a task on the loop has run: were it read on the loop, the
    # task could never run and the reading would give up.
    loop_ran = threading.Event()
    read_metadata = script_versions.read_metadata
    place_version = publishing.place_version

    def read_once_the_loop_ran(code: str) -> Metadata | None:
        assert loop_ran.wait(timeout=5), "the code was read on the event loop"
        return read_metadata(code)

    def place_once_the_loop_ran(*args: Any) -> ScriptVersion:
        assert loop_ran.wait(timeout=5), "the latest code was read on the event loop"
        return place_version(*args)

    monkeypatch.setattr(script_versions, "read_metadata", read_once_the_loop_ran)
    monkeypatch.setattr(publishing, "place_version", place_once_the_loop_ran)
    ada = await world.member()

    async def once_the_loop_ran(publishing: Awaitable[Any]) -> Any:
        loop_ran.clear()
        step = asyncio.ensure_future(publishing)
        await asyncio.sleep(0)
        loop_ran.set()
        return await step

    script = await once_the_loop_ran(create(world, ada))
    version = await once_the_loop_ran(publish(world, ada, script.id, userscript("1.1")))

    assert version.version == "1.1"


async def test_publishing_a_script_needs_scripts_create(world: World) -> None:
    member = await world.member()
    bare = Principal(member.user_id, member.session_id, Grants(frozenset(), frozenset()))

    with pytest.raises(ForbiddenError, match=r"scripts\.create"):
        await create(world, bare)

    assert not world.database.scripts
    assert ("access.denied", "denied") in world.audit_actions()


async def test_publishing_a_version_needs_scripts_create_every_time(world: World) -> None:
    member = await world.member()
    script = await create(world, member)
    bare = Principal(member.user_id, member.session_id, Grants(frozenset(), frozenset()))

    with pytest.raises(ForbiddenError, match=r"scripts\.create"):
        await publish(world, bare, script.id, userscript("1.1"))

    assert await versions_of(world, member, script.id) == ["1.0"]
    assert ("access.denied", "denied") in world.audit_actions()


async def test_an_account_suspended_or_deleted_since_sign_in_publishes_nothing(
    world: World,
) -> None:
    ada, bob = await world.member(), await world.member("bob")
    script = await create(world, ada)
    async with world.uow() as uow:
        now, live = world.clock.now(), [AccountStatus.ACTIVE]
        assert await uow.users.change_status(
            ada.user_id, AccountStatus.SUSPENDED, now, only_from=live
        )
        assert await uow.users.change_status(
            bob.user_id, AccountStatus.DELETED, now, only_from=live
        )
        await uow.commit()

    with pytest.raises(AccountSuspendedError):
        await publish(world, ada, script.id, userscript("1.1"))
    with pytest.raises(AccountSuspendedError):
        await create(world, ada, name="Another")
    with pytest.raises(NotFoundError):
        await create(world, bob)

    assert len(world.database.scripts) == 1
    assert len(world.database.script_versions) == 1


async def test_a_slug_that_is_sent_must_be_free(world: World) -> None:
    ada = await world.member()
    first = await create(world, ada, slug="my-slug")

    with pytest.raises(SlugTakenError):
        await create(world, ada, name="Other", slug="my-slug")
    async with world.uow() as uow:
        await uow.scripts.delete(first.id, world.clock.now())
        await uow.commit()
    again = await create(world, ada, name="Other", slug="my-slug")

    assert again.slug == "my-slug"


async def test_derived_slugs_are_numbered_past_the_ones_in_use(world: World) -> None:
    ada = await world.member()

    slugs = [(await create(world, ada, name=name)).slug for name in ["Dark Mode!"] * 3 + ["é"]]

    assert slugs == ["dark-mode", "dark-mode-2", "dark-mode-3", "e-script"]


async def test_past_ten_numbered_slugs_a_random_number_is_taken(world: World) -> None:
    ada = await world.member()
    for _ in range(10):
        await create(world, ada)

    slug = (await create(world, ada)).slug

    assert slug.startswith("dark-mode-")
    assert int(slug.removeprefix("dark-mode-")) > 10


async def test_a_derived_slug_taken_meanwhile_is_tried_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = await world.member(), await world.member("bob")
    original = InMemoryScriptRepository.slug_in_use
    raced: list[bool] = []

    async def racing(self: InMemoryScriptRepository, slug: str, **kwargs: Any) -> bool:
        in_use = await original(self, slug, **kwargs)
        if not raced:  # a rival takes the slug between the check and the insert
            raced.append(True)
            await create(world, bob)
        return in_use

    monkeypatch.setattr(InMemoryScriptRepository, "slug_in_use", racing)
    script = await create(world, ada)

    assert script.slug == "dark-mode-2"
    assert sorted(s.slug for s in world.database.scripts.values()) == ["dark-mode", "dark-mode-2"]


async def test_the_owner_publishes_and_widened_lists_what_is_new(world: World) -> None:
    ada = await world.member()
    script = await create(
        world, ada, code=userscript("1.0", "match https://a.example/*", "grant GM_getValue")
    )
    world.clock.advance(timedelta(minutes=1))
    code = userscript(
        "1.1",
        "match https://a.example/*",
        "include https://b.example/*",
        "grant GM_getValue",
        "grant GM_setValue",
        "grant none",
        "connect api.example",
        "require https://cdn.jsdelivr.net/npm/lib@1/lib.js",
        "antifeature tracking Counts visits",
    )

    version = await publish(world, ada, script.id, code, changelog="More")

    assert version.widened == {
        "grant": ["GM_setValue"],
        "connect": ["api.example"],
        "match": ["https://b.example/*"],
        "require": ["https://cdn.jsdelivr.net/npm/lib@1/lib.js"],
        "antifeature": ["tracking"],
    }
    async with world.uow() as uow:
        stored = await uow.scripts.get(script.id)
    assert stored is not None
    assert stored.latest_version == version.summary
    assert stored.antifeatures == ["tracking"]
    assert stored.updated_at == version.created_at == world.clock.now()
    assert await versions_of(world, ada, script.id) == ["1.1", "1.0"]
    published = [
        e for e in world.database.audit_entries.values() if e.action == "script.version_published"
    ]
    assert sorted(e.metadata["version"] for e in published) == ["1.0", "1.1"]


async def test_a_version_without_a_block_after_one_with_widens_nothing(world: World) -> None:
    ada = await world.member()
    script = await create(world, ada, code=userscript("1.0", "grant GM_getValue"))

    version = await publish(world, ada, script.id, "plain();", version="2.0")

    assert version.metadata is None
    assert version.widened == {
        "grant": [],
        "connect": [],
        "match": [],
        "require": [],
        "antifeature": [],
    }


async def test_an_existing_version_is_a_conflict(world: World) -> None:
    ada = await world.member()
    script = await create(world, ada)
    await publish(world, ada, script.id, userscript("1.1"))

    for existing in ("1.1", "1.0"):
        with pytest.raises(ConflictError, match=f"Version {existing} "):
            await publish(world, ada, script.id, userscript(existing))


@pytest.mark.parametrize(
    ("latest", "new", "managers"),
    [
        ("1.1a", "1.1b", "Violentmonkey would not"),
        ("1.1.1.1", "1.1.1.1.2", "Tampermonkey would not"),
        ("1.2", "1.1", "Tampermonkey and Violentmonkey would not"),
        ("1.0", "1.0.0", "Tampermonkey and Violentmonkey would not"),
    ],
)
async def test_a_version_that_is_no_update_is_refused_naming_the_manager(
    world: World, latest: str, new: str, managers: str
) -> None:
    ada = await world.member()
    script = await create(world, ada, code=userscript(latest))

    with pytest.raises(ValidationError, match=managers) as error:
        await publish(world, ada, script.id, userscript(new))

    assert problem_fields(error) == ["version"]
    assert await versions_of(world, ada, script.id) == [latest]


async def test_only_the_owner_publishes_versions(world: World) -> None:
    ada = await world.member()
    bob = await world.member("bob")
    moderator = await world.member("mod", role="moderator")
    script = await create(world, ada)

    for caller in (bob, moderator):
        with pytest.raises(ForbiddenError):
            await publish(world, caller, script.id, userscript("1.1"))

    denied = [e for e in world.database.audit_entries.values() if e.action == "access.denied"]
    assert [(e.actor_id, e.metadata) for e in denied] == [
        (bob.user_id, {"requires": "author"}),
        (moderator.user_id, {"requires": "author"}),
    ]
    assert all(e.resource_id == str(script.id) for e in denied)
    assert await versions_of(world, ada, script.id) == ["1.0"]


async def test_a_script_the_caller_cannot_see_is_not_found(world: World) -> None:
    ada = await world.member()
    bob = await world.member("bob")
    private = await create(world, ada, visibility=Visibility.PRIVATE)
    gone = await create(world, ada, name="Gone")
    async with world.uow() as uow:
        await uow.scripts.delete(gone.id, world.clock.now())
        await uow.commit()

    for caller, script_id in ((bob, private.id), (ada, gone.id), (ada, uuid.uuid4())):
        with pytest.raises(NotFoundError):
            await publish(world, caller, script_id, userscript("1.1"))

    # The owner and the script come before the body: a bad body is still a 404 here.
    with pytest.raises(NotFoundError):
        await publish(world, bob, private.id, "")


async def test_the_same_version_sent_twice_at_once_goes_in_once(world: World) -> None:
    ada = await world.member()
    script = await create(world, ada)

    outcomes = await asyncio.gather(
        *(publish(world, ada, script.id, userscript("1.1")) for _ in range(2)),
        return_exceptions=True,
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "ConflictError",
        "ScriptVersion",
    ]
    assert await versions_of(world, ada, script.id) == ["1.1", "1.0"]
    actions = [action for action, _ in world.audit_actions()]
    assert actions.count("script.version_published") == 2


def rival_publication(
    world: World, monkeypatch: pytest.MonkeyPatch, rival: Callable[[], Awaitable[object]]
) -> None:
    """The first read of a latest version lets `rival` publish before the reader goes on."""
    original = InMemoryScriptRepository.latest_code
    raced: list[bool] = []

    async def racing(self: InMemoryScriptRepository, script_id: uuid.UUID) -> Any:
        latest = await original(self, script_id)
        if not raced:
            raced.append(True)
            await rival()
        return latest

    monkeypatch.setattr(InMemoryScriptRepository, "latest_code", racing)


async def test_a_version_whose_latest_moved_is_checked_again_after_the_other(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = await world.member()
    script = await create(world, ada, code=userscript("1.0", "grant GM_getValue"))
    rival_code = userscript("1.1", "grant GM_getValue", "grant GM_setValue")
    rival_publication(world, monkeypatch, lambda: publish(world, ada, script.id, rival_code))

    code = userscript("1.2", "grant GM_getValue", "grant GM_setValue", "grant GM_info")
    version = await publish(world, ada, script.id, code)

    assert await versions_of(world, ada, script.id) == ["1.2", "1.1", "1.0"]
    assert version.widened is not None
    assert version.widened["grant"] == ["GM_info"]  # counted from 1.1, not from 1.0


@pytest.mark.parametrize(("ours", "error"), [("1.1", ConflictError), ("1.0.5", ValidationError)])
async def test_a_version_the_other_overtook_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch, ours: str, error: type[Exception]
) -> None:
    ada = await world.member()
    script = await create(world, ada)
    rival_publication(world, monkeypatch, lambda: publish(world, ada, script.id, userscript("1.1")))

    with pytest.raises(error):
        await publish(world, ada, script.id, userscript(ours))

    assert await versions_of(world, ada, script.id) == ["1.1", "1.0"]


async def test_versions_keep_their_order_when_the_clock_stands_still(world: World) -> None:
    ada = await world.member()
    script = await create(world, ada)
    second = await publish(world, ada, script.id, userscript("1.1"))
    third = await publish(world, ada, script.id, userscript("1.2"))

    assert second.created_at < third.created_at
    assert await versions_of(world, ada, script.id) == ["1.2", "1.1", "1.0"]
