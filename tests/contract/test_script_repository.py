"""The ScriptRepository contract (scripts, versions, ratings, installs), through the unit of
work of every adapter."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta

import pytest

from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.scripts import ScriptChanges, ScriptQuery
from scripthub.domain.errors import ConflictError, SlugTakenError
from scripthub.domain.scripts import (
    Language,
    LocalizedText,
    Rating,
    RatingTotals,
    ScriptName,
    Visibility,
)
from scripthub.domain.sites import NO_SITES
from scripthub.domain.users import AccountStatus
from tests.contract.samples import T0
from tests.contract.uow_backends import MakeUnitOfWork, add_owners
from tests.script_builders import add_scripts, make_script, make_version

LATER = T0 + timedelta(hours=1)


async def test_added_script_reads_back_by_id_and_slug_with_its_owner(
    make_uow: MakeUnitOfWork,
) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script = make_script(alice, tags=["zeta", "alpha"])
    await add_scripts(make_uow, script)

    async with make_uow() as uow:
        read = await uow.scripts.get(script.id)
        assert read == script
        assert await uow.scripts.get_by_slug(script.slug) == script
        assert await uow.scripts.get(uuid.uuid4()) is None
        assert await uow.scripts.get_by_slug("missing") is None
    assert read is not None
    assert read.owner_username == "alice"
    assert read.tags == ["zeta", "alpha"]
    assert read.created_at.utcoffset() == timedelta(0)
    assert (read.install_count, read.rating_count, read.rating_avg) == (0, 0, None)
    assert read.latest_version is None


async def test_localized_texts_read_back_and_an_edit_replaces_them(
    make_uow: MakeUnitOfWork,
) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    localized = {"fr": LocalizedText("Mode sombre", None), "zh-cn": LocalizedText("暗黑", "暗")}
    script = dataclasses.replace(make_script(alice), localized=localized)
    await add_scripts(make_uow, script)

    async with make_uow() as uow:
        assert (await uow.scripts.get(script.id)) == script
        edited = await uow.scripts.edit(script.id, ScriptChanges(localized={}), LATER)
        await uow.commit()
    assert edited is not None
    assert edited.localized == {}
    assert edited.name == script.name


async def test_a_live_slug_is_taken_and_a_deleted_one_is_free_again(
    make_uow: MakeUnitOfWork,
) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    first = make_script(alice, slug="dark-mode")
    await add_scripts(make_uow, first)

    with pytest.raises(SlugTakenError):
        await add_scripts(make_uow, make_script(alice, slug="dark-mode"))
    async with make_uow() as uow:
        assert await uow.scripts.slug_in_use("dark-mode")
        assert not await uow.scripts.slug_in_use("dark-mode", excluding=first.id)
        assert not await uow.scripts.slug_in_use("light-mode")
        assert await uow.scripts.delete(first.id, LATER)
        assert not await uow.scripts.delete(first.id, LATER)
        await uow.commit()

    second = make_script(alice, slug="dark-mode")
    await add_scripts(make_uow, second)
    async with make_uow() as uow:
        assert await uow.scripts.get(first.id) is None
        found = await uow.scripts.get_by_slug("dark-mode")
    assert found is not None
    assert found.id == second.id


async def test_a_deletion_guarded_on_the_owner_deletes_only_their_script(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = await add_owners(make_uow, "alice", "bob")
    script = make_script(alice)
    await add_scripts(make_uow, script)

    async with make_uow() as uow:
        assert not await uow.scripts.delete(script.id, LATER, owner_id=bob.id)
        assert await uow.scripts.get(script.id) is not None
        assert await uow.scripts.delete(script.id, LATER, owner_id=alice.id)
        assert not await uow.scripts.delete(script.id, LATER, owner_id=alice.id)
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.scripts.get(script.id) is None


async def test_an_edit_changes_only_the_fields_it_names(make_uow: MakeUnitOfWork) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script = make_script(alice)
    other = make_script(alice, "Other", slug="other")
    await add_scripts(make_uow, script, other)

    async with make_uow() as uow:
        edited = await uow.scripts.edit(
            script.id,
            ScriptChanges(name="Night Mode", license=None, tags=["night"], language=Language.CSS),
            LATER,
        )
        await uow.commit()

    expected = dataclasses.replace(
        script,
        name="Night Mode",
        license=None,
        tags=["night"],
        language=Language.CSS,
        updated_at=LATER,
    )
    assert edited == expected
    async with make_uow() as uow:
        assert await uow.scripts.get(script.id) == expected
        tagged = await uow.scripts.search(ScriptQuery(tag="night"))
        assert [found.id for found in tagged.scripts] == [script.id]
        assert (await uow.scripts.search(ScriptQuery(tag="dark"))).scripts == [other]
        with pytest.raises(SlugTakenError):
            await uow.scripts.edit(script.id, ScriptChanges(slug="other"), LATER)


async def test_deleted_scripts_cannot_be_edited_featured_versioned_or_rated(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = await add_owners(make_uow, "alice", "bob")
    script = make_script(alice)
    await add_scripts(make_uow, script)
    version, code = make_version(script)
    async with make_uow() as uow:
        assert await uow.scripts.add_version(
            version, code, antifeatures=[], sites=NO_SITES, replacing=None
        )
        assert await uow.scripts.delete(script.id, LATER)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.scripts.edit(script.id, ScriptChanges(name="x"), LATER) is None
        assert await uow.scripts.set_featured(script.id, featured=True) is None
        again, again_code = make_version(script, "2.0")
        assert not await uow.scripts.add_version(
            again, again_code, antifeatures=[], sites=NO_SITES, replacing="1.0"
        )
        assert await uow.scripts.rate(Rating(script.id, bob.id, 5, LATER, LATER)) is None
        assert await uow.scripts.unrate(script.id, bob.id) is None
        assert await uow.scripts.latest_code(script.id) is None


async def test_featuring_is_not_an_edit(make_uow: MakeUnitOfWork) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script = make_script(alice)
    await add_scripts(make_uow, script)

    async with make_uow() as uow:
        featured = await uow.scripts.set_featured(script.id, featured=True)
        await uow.commit()

    assert featured == dataclasses.replace(script, featured=True)
    async with make_uow() as uow:
        assert await uow.scripts.get(script.id) == featured


async def test_a_version_becomes_the_latest_with_its_antifeatures(
    make_uow: MakeUnitOfWork,
) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script = make_script(alice)
    await add_scripts(make_uow, script)
    first, first_code = make_version(script, "1.0", at=T0 + timedelta(minutes=1))
    second, second_code = make_version(script, "1.1", at=T0 + timedelta(minutes=2))
    second = dataclasses.replace(second, widened={"grant": ["GM_xmlhttpRequest"]})

    async with make_uow() as uow:
        assert await uow.scripts.add_version(
            first, first_code, antifeatures=[], sites=NO_SITES, replacing=None
        )
        assert await uow.scripts.add_version(
            second, second_code, antifeatures=["ads"], sites=NO_SITES, replacing="1.0"
        )
        await uow.commit()

    async with make_uow() as uow:
        read = await uow.scripts.get(script.id)
        assert await uow.scripts.list_versions(script.id) == [second, first]
        assert await uow.scripts.get_version(script.id, "1.0") == first
        assert await uow.scripts.get_version(script.id, "9.9") is None
        latest = await uow.scripts.latest_code(script.id)
        pinned = await uow.scripts.version_code(script.id, "1.0")
    assert read is not None
    assert read.latest_version == second.summary
    assert read.antifeatures == ["ads"]
    assert read.updated_at == second.created_at
    assert latest is not None
    assert (latest.version, latest.code) == (second, second_code)
    assert pinned is not None
    assert (pinned.version, pinned.code) == (first, first_code)


async def test_versions_page_newest_first(make_uow: MakeUnitOfWork) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script = make_script(alice)
    await add_scripts(make_uow, script)
    # Shared timestamps: ties page by id.
    versions = [make_version(script, f"1.{n}", at=T0 + timedelta(seconds=n // 2)) for n in range(7)]
    async with make_uow() as uow:
        previous = None
        for version, code in versions:
            await uow.scripts.add_version(
                version, code, antifeatures=[], sites=NO_SITES, replacing=previous
            )
            previous = version.version
        await uow.commit()

    pages = []
    async with make_uow() as uow:
        after = None
        while True:
            page = await uow.scripts.list_versions(script.id, after=after, limit=3)
            if not page:
                break
            pages.append(page)
            after = Keyset(page[-1].created_at, page[-1].id)

    expected = sorted((v for v, _ in versions), key=lambda v: (v.created_at, v.id), reverse=True)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [v for page in pages for v in page] == expected


async def test_a_version_string_is_unique_per_script(make_uow: MakeUnitOfWork) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script, other = make_script(alice), make_script(alice, "Other")
    await add_scripts(make_uow, script, other)
    version, code = make_version(script, "1.0")
    async with make_uow() as uow:
        await uow.scripts.add_version(
            version, code, antifeatures=[], sites=NO_SITES, replacing=None
        )
        await uow.commit()

    same, same_code = make_version(script, "1.0")
    async with make_uow() as uow:
        with pytest.raises(ConflictError):
            # The right latest, but an existing version: the unique constraint answers.
            await uow.scripts.add_version(
                same, same_code, antifeatures=[], sites=NO_SITES, replacing="1.0"
            )
    with pytest.raises(ConflictError):
        async with make_uow() as uow:
            await uow.scripts.add_version(
                same, same_code, antifeatures=[], sites=NO_SITES, replacing=None
            )
    elsewhere, elsewhere_code = make_version(other, "1.0")
    async with make_uow() as uow:
        assert await uow.scripts.add_version(
            elsewhere, elsewhere_code, antifeatures=[], sites=NO_SITES, replacing=None
        )
        await uow.commit()


async def test_of_two_concurrent_publications_on_one_latest_one_succeeds(
    make_uow: MakeUnitOfWork,
) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script = make_script(alice)
    await add_scripts(make_uow, script)

    async def publish(version: str) -> object:
        made, code = make_version(script, version)
        try:
            async with make_uow() as uow:
                published = await uow.scripts.add_version(
                    made, code, antifeatures=[], sites=NO_SITES, replacing=None
                )
                await asyncio.sleep(0.01)
                await uow.commit()
        except ConflictError as error:
            return error
        return published

    for versions in (["1.0", "1.0"], ["2.0", "2.1"]):
        if versions[0] == "2.0":
            script = make_script(alice, "Second")
            await add_scripts(make_uow, script)
        outcomes = await asyncio.gather(*(publish(version) for version in versions))
        assert sorted(map(type, outcomes), key=str) == sorted([bool, ConflictError], key=str)
        async with make_uow() as uow:
            assert len(await uow.scripts.list_versions(script.id)) == 1


async def test_ratings_keep_the_totals_and_one_score_per_user(make_uow: MakeUnitOfWork) -> None:
    alice, bob, carol = await add_owners(make_uow, "alice", "bob", "carol")
    script = make_script(alice)
    await add_scripts(make_uow, script)

    async with make_uow() as uow:
        assert await uow.scripts.rate(Rating(script.id, bob.id, 4, T0, T0)) == RatingTotals(4, 1)
        assert await uow.scripts.rate(Rating(script.id, carol.id, 1, T0, T0)) == RatingTotals(5, 2)
        replaced = await uow.scripts.rate(Rating(script.id, bob.id, 2, LATER, LATER))
        await uow.commit()
    assert replaced == RatingTotals(3, 2)

    async with make_uow() as uow:
        assert await uow.scripts.score_of(script.id, bob.id) == 2
        assert await uow.scripts.score_of(script.id, alice.id) is None
        read = await uow.scripts.get(script.id)
        assert read is not None
        assert (read.rating_sum, read.rating_count, read.rating_avg) == (3, 2, 1.5)
        assert await uow.scripts.unrate(script.id, carol.id) == RatingTotals(2, 1)
        assert await uow.scripts.unrate(script.id, carol.id) == RatingTotals(2, 1)
        assert await uow.scripts.score_of(script.id, carol.id) is None


async def test_concurrent_ratings_lose_no_update(make_uow: MakeUnitOfWork) -> None:
    owner, *raters = await add_owners(make_uow, *(f"user{n}" for n in range(7)))
    script = make_script(owner)
    await add_scripts(make_uow, script)

    async def rate(user_id: uuid.UUID, score: int) -> None:
        async with make_uow() as uow:
            await uow.scripts.rate(Rating(script.id, user_id, score, T0, T0))
            await asyncio.sleep(0)
            await uow.commit()

    scores = [1, 2, 3, 4, 5, 5]
    await asyncio.gather(*(rate(user.id, s) for user, s in zip(raters, scores, strict=True)))
    # The same user again, concurrently: one score stays.
    await asyncio.gather(rate(raters[0].id, 3), rate(raters[0].id, 3))

    async with make_uow() as uow:
        read = await uow.scripts.get(script.id)
    assert read is not None
    assert (read.rating_sum, read.rating_count) == (sum(scores) - 1 + 3, 6)


async def fold_installs(make_uow: MakeUnitOfWork, counts: dict[uuid.UUID, int]) -> None:
    """Add `counts` in a unit of work of their own, as the install flusher does; it yields
    before committing, so that concurrent folds interleave."""
    async with make_uow() as uow:
        await uow.scripts.add_install_counts(counts)
        await asyncio.sleep(0)
        await uow.commit()


async def test_install_counts_add_up_exactly_under_concurrency(make_uow: MakeUnitOfWork) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    first, second = make_script(alice, "First"), make_script(alice, "Second")
    await add_scripts(make_uow, first, second)

    batches = [{first.id: n, second.id: 2 * n, uuid.uuid4(): 1} for n in range(1, 9)]
    await asyncio.gather(
        *(fold_installs(make_uow, batch) for batch in batches), fold_installs(make_uow, {})
    )

    async with make_uow() as uow:
        counts = [await uow.scripts.get(script.id) for script in (first, second)]
    assert [script.install_count for script in counts if script] == [36, 72]


async def test_private_and_unlisted_scripts_read_back_by_id(make_uow: MakeUnitOfWork) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    hidden = [
        make_script(alice, f"Hidden {v.value}", visibility=v)
        for v in (Visibility.PRIVATE, Visibility.UNLISTED)
    ]
    await add_scripts(make_uow, *hidden)

    async with make_uow() as uow:
        for script in hidden:
            assert await uow.scripts.get(script.id) == script


async def test_a_script_reads_whether_its_owner_is_active(make_uow: MakeUnitOfWork) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script = make_script(alice, visibility=Visibility.UNLISTED)
    await add_scripts(make_uow, script)
    async with make_uow() as uow:
        assert await uow.users.change_status(
            alice.id, AccountStatus.SUSPENDED, LATER, only_from=[AccountStatus.ACTIVE]
        )
        await uow.commit()

    async with make_uow() as uow:
        read = await uow.scripts.get(script.id)
        by_slug = await uow.scripts.get_by_slug(script.slug)
    assert read is not None
    assert read == by_slug
    assert (read.owner_active, read.seen_as) == (False, Visibility.PRIVATE)
    assert read.visibility is Visibility.UNLISTED


async def test_an_owners_live_scripts_are_named_and_deleted_together(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = await add_owners(make_uow, "alice", "bob")
    kept, gone, earlier = (
        make_script(alice, "Kept"),
        make_script(alice, "Gone"),
        make_script(alice, "Old"),
    )
    his = make_script(bob, "His")
    await add_scripts(make_uow, kept, gone, earlier, his)
    async with make_uow() as uow:
        assert await uow.scripts.delete(earlier.id, T0)
        await uow.commit()
    names = {ScriptName(s.id, s.slug) for s in (kept, gone)}

    async with make_uow() as uow:
        assert set(await uow.scripts.names_owned_by(alice.id)) == names
        assert set(await uow.scripts.delete_owned_by(alice.id, LATER)) == names
        assert await uow.scripts.delete_owned_by(alice.id, LATER) == []
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.scripts.names_owned_by(alice.id) == []
        assert await uow.scripts.get(kept.id) is None
        assert await uow.scripts.names_owned_by(bob.id) == [ScriptName(his.id, his.slug)]
        assert not await uow.scripts.slug_in_use(kept.slug)
