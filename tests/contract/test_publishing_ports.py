"""The ports of publishing's gates through the unit of work of every adapter (the fake,
SQLite, PostgreSQL): the `@require` allow-list (seeded, replaced whole, held), and the
publication history an account's quota is counted from."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from scripthub.domain.require_policy import SEEDED_PATTERNS
from scripthub.domain.sites import NO_SITES
from tests.contract.samples import T0
from tests.contract.uow_backends import MakeUnitOfWork, add_owners
from tests.script_builders import add_scripts, make_script, make_version


async def test_the_list_starts_seeded_and_is_replaced_whole(make_uow: MakeUnitOfWork) -> None:
    async with make_uow() as uow:
        seeded = await uow.require_allowlist.current()
    async with make_uow() as uow:
        held = await uow.require_allowlist.hold()
        await uow.require_allowlist.replace(("b.example.com", "a.example.com"), T0)
        await uow.commit()
    async with make_uow() as uow:
        await uow.require_allowlist.replace((), T0)  # rolled back
    async with make_uow() as uow:
        replaced = await uow.require_allowlist.current()

    assert seeded.patterns == SEEDED_PATTERNS
    assert seeded.allows("https://cdn.jsdelivr.net/npm/x.js")
    assert held == SEEDED_PATTERNS
    assert replaced.patterns == ("b.example.com", "a.example.com")
    assert replaced.allows("https://a.example.com/x.js")
    assert not replaced.allows("https://cdn.jsdelivr.net/npm/x.js")


async def test_a_holder_of_the_list_makes_the_next_one_wait(make_uow: MakeUnitOfWork) -> None:
    order: list[str] = []

    async def replace(name: str, patterns: tuple[str, ...], pause: float) -> tuple[str, ...]:
        async with make_uow() as uow:
            before = await uow.require_allowlist.hold()
            order.append(name)
            await asyncio.sleep(pause)
            await uow.require_allowlist.replace(patterns, T0)
            await uow.commit()
        return before

    first = asyncio.create_task(replace("first", ("one.example.com",), 0.3))
    await asyncio.sleep(0.1)
    second = await replace("second", ("two.example.com",), 0)

    assert await first == SEEDED_PATTERNS
    assert second == ("one.example.com",)
    assert order == ["first", "second"]


async def test_the_history_counts_an_owner_s_versions_newest_first(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = await add_owners(make_uow, "alice", "bob")
    mine, gone, theirs = make_script(alice, "Mine"), make_script(alice, "Gone"), make_script(bob)
    versions = [
        make_version(mine, "1.0", at=T0),
        make_version(mine, "1.1", at=T0 + timedelta(hours=1)),
        make_version(mine, "1.2", at=T0 + timedelta(hours=2)),
        make_version(gone, "1.0", at=T0 + timedelta(hours=3)),
        make_version(theirs, "1.0", at=T0 + timedelta(hours=4)),
    ]
    await add_scripts(make_uow, mine, gone, theirs, versions=versions)
    async with make_uow() as uow:
        assert await uow.scripts.delete(gone.id, T0 + timedelta(hours=5))
        await uow.commit()

    async with make_uow() as uow:
        everything = await uow.publications.newest_since(alice.id, T0 - timedelta(days=1), 10)
        newest_two = await uow.publications.newest_since(alice.id, T0 - timedelta(days=1), 2)
        since = await uow.publications.newest_since(alice.id, T0 + timedelta(hours=1), 10)
        nobody = await uow.publications.newest_since(bob.id, T0 + timedelta(hours=4), 10)

    hours = [T0 + timedelta(hours=n) for n in (3, 2, 1, 0)]
    assert everything == hours
    assert newest_two == hours[:2]
    assert since == hours[:2]  # strictly after `since`
    assert nobody == []


async def test_the_history_sees_what_its_own_unit_of_work_staged(
    make_uow: MakeUnitOfWork,
) -> None:
    (alice,) = await add_owners(make_uow, "alice")
    script = make_script(alice)
    await add_scripts(make_uow, script)
    version, code = make_version(script, "1.0", at=T0)
    async with make_uow() as uow:
        await uow.scripts.add_version(
            version, code, antifeatures=[], sites=NO_SITES, replacing=None
        )
        staged = await uow.publications.newest_since(alice.id, T0 - timedelta(hours=1), 5)

    assert staged == [T0]
