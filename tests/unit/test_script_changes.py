"""Editing, deleting, featuring and rating scripts, on in-process adapters."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from scripthub.application.accounts import Principal
from scripthub.application.ports.scripts import ScriptChanges
from scripthub.application.scripts.delete_script import DeleteScriptCommand
from scripthub.application.scripts.edit_script import EditScriptCommand
from scripthub.application.scripts.feature_script import FeatureScriptCommand
from scripthub.application.scripts.rate_script import RateScriptCommand, ScriptRating
from scripthub.application.scripts.unrate_script import UnrateScriptCommand
from scripthub.domain.audit import AuditEntry, Outcome, RequestContext
from scripthub.domain.errors import (
    ForbiddenError,
    NotFoundError,
    SlugTakenError,
    ValidationError,
)
from scripthub.domain.roles import Grants
from scripthub.domain.scripts import Language, Script, Visibility
from tests.unit.world import OPERATOR, World

CONTEXT = RequestContext("198.51.100.7", "pytest")


async def member(world: World, name: str, *roles: str) -> Principal:
    pair = await world.register(email=f"{name}@example.com", username=name)
    for role in roles:
        await world.grant(f"{name}@example.com", role)
    return await world.principal(pair)


def entries(world: World, action: str) -> list[AuditEntry]:
    return [e for e in world.database.audit_entries.values() if e.action == action]


async def stored(world: World, script: Script) -> Script | None:
    async with world.uow() as uow:
        return await uow.scripts.get(script.id)


async def edit(world: World, actor: Principal, script: Script, **fields: object) -> Script:
    command = EditScriptCommand(actor, script.id, ScriptChanges(**fields), CONTEXT)  # type: ignore[arg-type]
    edited: Script = await world.edit_script().execute(command)
    return edited


async def rate(world: World, actor: Principal, script: Script, score: int) -> ScriptRating:
    command = RateScriptCommand(actor, script.id, score)
    rating: ScriptRating = await world.rate_script().execute(command)
    return rating


# Editing.


async def test_the_owner_edits_the_fields_they_send_and_it_is_audited(world: World) -> None:
    owner = await member(world, "owner")
    script = await world.add_script(owner, "Dark Mode")
    world.clock.advance(timedelta(minutes=5))

    edited = await edit(
        world,
        owner,
        script,
        name="  Darker Mode ",
        slug="darker",
        tags=["Night", "night", "dark"],
        license=None,
        language=Language.CSS,
        visibility=Visibility.UNLISTED,
    )

    assert (edited.name, edited.slug, edited.tags) == ("Darker Mode", "darker", ["night", "dark"])
    assert (edited.license, edited.language, edited.visibility) == (
        None,
        Language.CSS,
        Visibility.UNLISTED,
    )
    assert edited.description == script.description
    assert edited.updated_at == world.clock.now()
    assert await stored(world, script) == edited
    [entry] = entries(world, "script.updated")
    assert entry.actor_id == owner.user_id
    assert (entry.resource_type, entry.resource_id) == ("script", str(script.id))
    assert entry.metadata == {
        "fields": ["language", "license", "name", "slug", "tags", "visibility"]
    }
    assert entry.ip_address == "198.51.100.7"


async def test_only_changing_fields_are_written_and_audited(world: World) -> None:
    owner = await member(world, "owner")
    script = await world.add_script(owner, "Dark Mode")

    same = await edit(world, owner, script, name="Dark Mode", tags=["dark", "theme"])
    assert same.updated_at == script.updated_at
    assert entries(world, "script.updated") == []

    await edit(world, owner, script, name="Dark Mode", description="New.")
    [entry] = entries(world, "script.updated")
    assert entry.metadata == {"fields": ["description"]}


async def test_every_bad_field_is_named_and_nothing_changes(world: World) -> None:
    owner = await member(world, "owner")
    script = await world.add_script(owner)

    with pytest.raises(ValidationError) as raised:
        await edit(
            world,
            owner,
            script,
            name=" ",
            slug="No",
            description="x" * 5001,
            license="not a license",
            tags=["bad tag!"],
        )

    fields = {problem.field for problem in raised.value.problems}
    assert fields == {"name", "slug", "description", "license", "tags[0]"}
    assert await stored(world, script) == script
    assert entries(world, "script.updated") == []


async def test_a_slug_in_use_is_refused(world: World) -> None:
    owner = await member(world, "owner")
    script = await world.add_script(owner, "First")
    await world.add_script(owner, "Second")

    with pytest.raises(SlugTakenError):
        await edit(world, owner, script, slug="second", name="Renamed")
    assert await stored(world, script) == script
    # Its own slug is no conflict.
    assert (await edit(world, owner, script, slug="first", name="Renamed")).name == "Renamed"


async def test_a_moderator_edits_someone_elses_script_with_the_owner_audited(
    world: World,
) -> None:
    owner = await member(world, "owner")
    moderator = await member(world, "mod", "moderator")
    script = await world.add_script(owner)

    await edit(world, moderator, script, description="Cleaned up.")

    [entry] = entries(world, "script.updated")
    assert entry.actor_id == moderator.user_id
    assert entry.metadata == {"fields": ["description"], "owner_id": str(owner.user_id)}


async def test_the_operator_may_edit_any_script(world: World) -> None:
    owner = await member(world, "owner")
    script = await world.add_script(owner)
    command = EditScriptCommand(OPERATOR, script.id, ScriptChanges(name="By operator"))

    assert (await world.edit_script().execute(command)).name == "By operator"
    [entry] = entries(world, "script.updated")
    assert entry.actor_id is None
    assert entry.metadata["owner_id"] == str(owner.user_id)


async def test_a_stranger_is_forbidden_and_the_denial_audited(world: World) -> None:
    owner = await member(world, "owner")
    stranger = await member(world, "stranger")
    script = await world.add_script(owner)

    with pytest.raises(ForbiddenError):
        await edit(world, stranger, script, name="Mine now")
    with pytest.raises(ForbiddenError):
        await world.delete_script().execute(DeleteScriptCommand(stranger, script.id, CONTEXT))

    denied = entries(world, "access.denied")
    assert [e.metadata["permission"] for e in denied] == [
        "scripts.update_any",
        "scripts.delete_any",
    ]
    assert {(e.actor_id, e.resource_id, e.outcome) for e in denied} == {
        (stranger.user_id, str(script.id), Outcome.DENIED)
    }
    assert await stored(world, script) == script


async def test_editing_needs_scripts_create_also_for_the_owner(world: World) -> None:
    owner = await member(world, "owner")
    script = await world.add_script(owner)
    bare = Principal(owner.user_id, owner.session_id, Grants(frozenset(), frozenset()))

    with pytest.raises(ForbiddenError, match=r"scripts\.create"):
        await edit(world, bare, script, name="Still mine?")

    [denied] = entries(world, "access.denied")
    assert denied.metadata["permission"] == "scripts.create"
    assert await stored(world, script) == script


async def test_a_private_script_is_not_found_by_strangers_before_any_permission_check(
    world: World,
) -> None:
    owner = await member(world, "owner")
    stranger = await member(world, "stranger", "premium_user")
    script = await world.add_script(owner, visibility=Visibility.PRIVATE)

    with pytest.raises(NotFoundError):
        await edit(world, stranger, script, name="Peek")
    with pytest.raises(NotFoundError):
        await world.delete_script().execute(DeleteScriptCommand(stranger, script.id))
    with pytest.raises(NotFoundError):
        await world.feature_script().execute(FeatureScriptCommand(stranger, script.id, True))
    with pytest.raises(NotFoundError):
        await rate(world, stranger, script, 5)
    with pytest.raises(NotFoundError):
        await world.unrate_script().execute(UnrateScriptCommand(stranger, script.id))
    assert entries(world, "access.denied") == []


async def test_an_unknown_script_is_not_found(world: World) -> None:
    owner = await member(world, "owner")
    with pytest.raises(NotFoundError):
        await world.edit_script().execute(
            EditScriptCommand(owner, uuid.uuid4(), ScriptChanges(name="x"))
        )


# Deleting.


async def test_deleting_hides_the_script_and_frees_its_slug(world: World) -> None:
    owner = await member(world, "owner")
    script = await world.add_script(owner, "Gone")

    await world.delete_script().execute(DeleteScriptCommand(owner, script.id, CONTEXT))

    assert await stored(world, script) is None
    [entry] = entries(world, "script.deleted")
    assert (entry.actor_id, entry.resource_id, entry.metadata) == (
        owner.user_id,
        str(script.id),
        {},
    )
    with pytest.raises(NotFoundError):
        await world.delete_script().execute(DeleteScriptCommand(owner, script.id))
    with pytest.raises(NotFoundError):
        await edit(world, owner, script, name="Back")
    assert (await world.add_script(owner, "Gone")).slug == "gone"
    assert len(entries(world, "script.deleted")) == 1


async def test_a_moderator_deletes_with_the_owner_audited(world: World) -> None:
    owner = await member(world, "owner")
    moderator = await member(world, "mod", "moderator")
    script = await world.add_script(owner, visibility=Visibility.PRIVATE)

    await world.delete_script().execute(DeleteScriptCommand(moderator, script.id))

    [entry] = entries(world, "script.deleted")
    assert entry.metadata == {"owner_id": str(owner.user_id)}


# Featuring.


async def test_featuring_needs_the_permission_even_on_ones_own_script(world: World) -> None:
    owner = await member(world, "owner")
    script = await world.add_script(owner)

    with pytest.raises(ForbiddenError):
        await world.feature_script().execute(FeatureScriptCommand(owner, script.id, True))
    [denied] = entries(world, "access.denied")
    assert denied.metadata == {"permission": "scripts.featured"}

    await world.grant("owner@example.com", "premium_user")
    owner = await world.principal(await world.login("owner@example.com"))
    featured = await world.feature_script().execute(
        FeatureScriptCommand(owner, script.id, True, CONTEXT)
    )
    assert featured.featured is True
    assert featured.updated_at == script.updated_at
    [entry] = entries(world, "script.featured")
    assert entry.metadata == {"featured": True}


async def test_a_moderator_features_and_unfeatures_with_the_owner_audited(world: World) -> None:
    owner = await member(world, "owner")
    moderator = await member(world, "mod", "moderator")
    script = await world.add_script(owner)
    feature = world.feature_script().execute

    assert (await feature(FeatureScriptCommand(moderator, script.id, True))).featured
    assert (await feature(FeatureScriptCommand(moderator, script.id, True))).featured
    assert not (await feature(FeatureScriptCommand(moderator, script.id, False))).featured

    owner_id = str(owner.user_id)
    assert [e.metadata for e in entries(world, "script.featured")] == [
        {"featured": True, "owner_id": owner_id},
        {"featured": False, "owner_id": owner_id},
    ]
    assert (await stored(world, script)).featured is False  # type: ignore[union-attr]


# Rating.


async def test_ratings_average_replace_and_unrate(world: World) -> None:
    owner = await member(world, "owner")
    raters = [await member(world, f"rater{n}") for n in range(3)]
    script = await world.add_script(owner)

    await rate(world, raters[0], script, 5)
    await rate(world, raters[1], script, 4)
    assert await rate(world, raters[2], script, 4) == ScriptRating(4.33, 3, 4)
    assert await rate(world, raters[2], script, 1) == ScriptRating(3.33, 3, 1)

    await world.unrate_script().execute(UnrateScriptCommand(raters[0], script.id))
    again = await stored(world, script)
    assert again is not None
    assert (again.rating_avg, again.rating_count) == (2.5, 2)
    # Not rated (any more): still a success, changing nothing.
    await world.unrate_script().execute(UnrateScriptCommand(raters[0], script.id))
    await world.unrate_script().execute(UnrateScriptCommand(owner, script.id))
    assert (await stored(world, script)).rating_count == 2  # type: ignore[union-attr]
    assert not [action for action, _ in world.audit_actions() if action.startswith("script.")]


async def test_owners_cannot_rate_their_own_script(world: World) -> None:
    owner = await member(world, "owner", "admin")
    script = await world.add_script(owner)

    with pytest.raises(ForbiddenError, match="own script"):
        await rate(world, owner, script, 5)
    assert (await stored(world, script)).rating_count == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("score", [0, 6, -1])
async def test_a_score_outside_one_to_five_is_refused(world: World, score: int) -> None:
    owner = await member(world, "owner")
    rater = await member(world, "rater")
    script = await world.add_script(owner)

    with pytest.raises(ValidationError) as raised:
        await rate(world, rater, script, score)
    assert raised.value.problems[0].field == "score"


async def test_a_deleted_script_cannot_be_rated(world: World) -> None:
    owner = await member(world, "owner")
    rater = await member(world, "rater")
    script = await world.add_script(owner)
    await world.delete_script().execute(DeleteScriptCommand(owner, script.id))

    with pytest.raises(NotFoundError):
        await rate(world, rater, script, 3)
    with pytest.raises(NotFoundError):
        await world.unrate_script().execute(UnrateScriptCommand(rater, script.id))
