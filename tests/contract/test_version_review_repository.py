"""The VersionReviewRepository contract (held versions, decisions, the queue), through the
unit of work of every adapter."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.errors import ConflictError
from scripthub.domain.scripts import Script, ScriptVersion
from scripthub.domain.sites import NO_SITES
from scripthub.domain.version_review import VersionReview, VersionStatus
from tests.contract.samples import T0
from tests.contract.uow_backends import MakeUnitOfWork, add_owners
from tests.script_builders import add_scripts, make_script, make_version

HELD = VersionStatus.HELD_FOR_REVIEW


async def published_script(make_uow: MakeUnitOfWork, name: str = "Dark Mode") -> Script:
    """A committed script whose latest version is 1.0."""
    (owner,) = await add_owners(make_uow, f"owner-{name.lower().replace(' ', '-')}")
    script = make_script(owner, name)
    await add_scripts(make_uow, script)
    first, code = make_version(script, "1.0", at=T0 + timedelta(minutes=1))
    async with make_uow() as uow:
        await uow.scripts.add_version(first, code, antifeatures=[], sites=NO_SITES, replacing=None)
        await uow.commit()
    return script


def held_version(script: Script, version: str, minutes: int) -> tuple[ScriptVersion, str]:
    made, code = make_version(script, version, at=T0 + timedelta(minutes=minutes))
    return dataclasses.replace(made, status=HELD), code


async def test_a_held_version_is_a_version_but_not_the_latest(make_uow: MakeUnitOfWork) -> None:
    script = await published_script(make_uow)
    held, code = held_version(script, "1.1", 2)

    async with make_uow() as uow:
        assert await uow.version_reviews.hold_version(held, code, replacing="1.0")
        await uow.commit()

    async with make_uow() as uow:
        read = await uow.scripts.get(script.id)
        latest = await uow.scripts.latest_code(script.id)
        assert await uow.scripts.get_version(script.id, "1.1") == held
        assert [v.version for v in await uow.scripts.list_versions(script.id)] == ["1.0"]
        everything = await uow.scripts.list_versions(script.id, published_only=False)
        assert await uow.version_reviews.held_of(script.id) == [held]
    assert read is not None
    assert read.latest_version is not None
    assert read.latest_version.version == "1.0"
    assert latest is not None
    assert latest.version.version == "1.0"
    assert [v.version for v in everything] == ["1.1", "1.0"]


async def test_holding_checks_the_latest_and_the_version_string(
    make_uow: MakeUnitOfWork,
) -> None:
    script = await published_script(make_uow)
    held, code = held_version(script, "1.1", 2)

    async with make_uow() as uow:
        with pytest.raises(ConflictError):
            await uow.version_reviews.hold_version(held, code, replacing="0.9")
    same, same_code = held_version(script, "1.0", 3)
    async with make_uow() as uow:
        with pytest.raises(ConflictError):
            await uow.version_reviews.hold_version(same, same_code, replacing="1.0")
    async with make_uow() as uow:
        assert await uow.scripts.delete(script.id, T0 + timedelta(hours=1))
        assert not await uow.version_reviews.hold_version(held, code, replacing="1.0")


async def test_a_decision_is_taken_once(make_uow: MakeUnitOfWork) -> None:
    script = await published_script(make_uow)
    held, code = held_version(script, "1.1", 2)
    async with make_uow() as uow:
        await uow.version_reviews.hold_version(held, code, replacing="1.0")
        await uow.commit()
    review = VersionReview(None, T0 + timedelta(hours=1), "Looks fine.")

    async def decide(status: VersionStatus) -> ScriptVersion | None:
        async with make_uow() as uow:
            decided = await uow.version_reviews.decide(script.id, "1.1", status, review)
            await asyncio.sleep(0.01)
            await uow.commit()
        return decided

    outcomes = await asyncio.gather(decide(VersionStatus.REJECTED), decide(VersionStatus.PUBLISHED))

    decided = [outcome for outcome in outcomes if outcome is not None]
    assert len(decided) == 1
    async with make_uow() as uow:
        stored = await uow.scripts.get_version(script.id, "1.1")
        assert await uow.version_reviews.held_of(script.id) == []
        assert await uow.version_reviews.decide(script.id, "1.0", HELD, review) is None
    assert stored == decided[0]
    assert stored.review == review
    assert stored.status in {VersionStatus.REJECTED, VersionStatus.PUBLISHED}


async def test_an_approved_version_becomes_the_latest_if_the_latest_stayed(
    make_uow: MakeUnitOfWork,
) -> None:
    script = await published_script(make_uow)
    held, code = held_version(script, "1.1", 2)
    async with make_uow() as uow:
        await uow.version_reviews.hold_version(held, code, replacing="1.0")
        await uow.commit()
    approved = dataclasses.replace(held, status=VersionStatus.PUBLISHED)
    now = T0 + timedelta(hours=2)

    async with make_uow() as uow:
        with pytest.raises(ConflictError):
            await uow.version_reviews.make_latest(
                approved, antifeatures=["ads"], sites=NO_SITES, replacing="0.9", now=now
            )
    async with make_uow() as uow:
        assert await uow.version_reviews.make_latest(
            approved, antifeatures=["ads"], sites=NO_SITES, replacing="1.0", now=now
        )
        await uow.commit()

    async with make_uow() as uow:
        read = await uow.scripts.get(script.id)
        latest = await uow.scripts.latest_code(script.id)
    assert read is not None
    assert read.latest_version == held.summary
    assert read.antifeatures == ["ads"]
    assert read.updated_at == now
    assert latest is not None
    assert latest.code == code


async def test_the_queue_pages_held_versions_of_live_scripts_oldest_first(
    make_uow: MakeUnitOfWork,
) -> None:
    scripts = [await published_script(make_uow, f"Script {n}") for n in range(3)]
    held = []
    async with make_uow() as uow:
        for n, script in enumerate(scripts):
            for m, number in enumerate(("1.1", "1.2")):
                version, code = held_version(script, number, 10 + m * 10 + n)
                await uow.version_reviews.hold_version(version, code, replacing="1.0")
                held.append(version)
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.scripts.delete(scripts[2].id, T0 + timedelta(hours=1))
        await uow.commit()

    pages = []
    async with make_uow() as uow:
        after = None
        while page := await uow.version_reviews.held(after=after, limit=3):
            pages.append(page)
            after = Keyset(page[-1].version.created_at, page[-1].version.id)

    expected = sorted(
        (v for v in held if v.script_id != scripts[2].id), key=lambda v: (v.created_at, v.id)
    )
    assert [len(page) for page in pages] == [3, 1]
    assert [item.version for page in pages for item in page] == expected
    assert {item.script.id for page in pages for item in page} == {s.id for s in scripts[:2]}
    assert pages[0][0].script.owner_username is not None
