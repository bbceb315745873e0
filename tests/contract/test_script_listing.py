"""Pages of scripts (`ScriptRepository.search` without search text): filters, visibility, and
every order paging stably, on every adapter."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from scripthub.application.ports.scripts import ScriptKeyset, ScriptQuery, ScriptSort
from scripthub.domain.errors import BadRequestError
from scripthub.domain.scripts import Language, Rating, Script, Visibility
from scripthub.domain.sites import NO_SITES
from scripthub.domain.users import AccountStatus
from tests.contract.paging import staggered
from tests.contract.samples import T0
from tests.contract.uow_backends import add_owners
from tests.script_builders import add_scripts, make_script, make_version

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.contract.uow_backends import MakeUnitOfWork

NAMES = ["alpha", "Alpha", "beta", "Émile", "emile", "zeta", "Beta", "gamma", "delta"]
SORT_KEYS: dict[ScriptSort, Callable[[Script], Any]] = {
    ScriptSort.NEWEST: lambda s: s.created_at,
    ScriptSort.UPDATED: lambda s: s.updated_at,
    ScriptSort.INSTALLS: lambda s: s.install_count,
    ScriptSort.RATING: lambda s: s.rating_sum / s.rating_count if s.rating_count else 0.0,
    ScriptSort.NAME: lambda s: s.name.casefold(),
}


async def every_page(make_uow: MakeUnitOfWork, query: ScriptQuery) -> list[list[Script]]:
    pages: list[list[Script]] = []
    after = None
    async with make_uow() as uow:
        while True:
            page = await uow.scripts.search(dataclasses.replace(query, after=after))
            pages.append(page.scripts)
            if page.next is None:
                return pages
            after = page.next


async def catalogue(make_uow: MakeUnitOfWork) -> list[Script]:
    """Public scripts whose every sort key has ties, plus hidden and deleted ones."""
    owner, *raters = await add_owners(make_uow, "owner", "r1", "r2", "r3")
    moments = staggered(len(NAMES))
    scripts = [
        make_script(owner, name, slug=f"script-{n}", at=moments[n], tags=[f"t{n % 2}"])
        for n, name in enumerate(NAMES)
    ]
    hidden = [
        make_script(owner, "private", visibility=Visibility.PRIVATE),
        make_script(owner, "unlisted", visibility=Visibility.UNLISTED),
        make_script(owner, "deleted"),
    ]
    await add_scripts(make_uow, *scripts, *hidden)
    async with make_uow() as uow:
        await uow.scripts.add_install_counts({s.id: n % 3 for n, s in enumerate(scripts)})
        for n, script in enumerate(scripts[:6]):
            for rater, score in zip(raters, [(n % 2) + 3, 5 - n % 3], strict=False):
                await uow.scripts.rate(Rating(script.id, rater.id, score, T0, T0))
        await uow.scripts.delete(hidden[2].id, T0)
        await uow.commit()
    async with make_uow() as uow:
        return [found for s in scripts if (found := await uow.scripts.get(s.id))]


@pytest.mark.parametrize("sort", list(SORT_KEYS))
async def test_every_order_pages_through_ties_without_repeats_or_gaps(
    make_uow: MakeUnitOfWork, sort: ScriptSort
) -> None:
    scripts = await catalogue(make_uow)

    pages = await every_page(make_uow, ScriptQuery(sort=sort, limit=2))

    ascending = sort is ScriptSort.NAME
    expected = sorted(scripts, key=lambda s: (SORT_KEYS[sort](s), s.id), reverse=not ascending)
    assert [len(page) for page in pages] == [2, 2, 2, 2, 1]
    assert [s for page in pages for s in page] == expected


async def test_filters_narrow_the_catalogue(make_uow: MakeUnitOfWork) -> None:
    alice, bob = await add_owners(make_uow, "alice", "bob")
    css = make_script(alice, "Styles", language=Language.CSS, tags=["look"])
    featured = make_script(bob, "Featured", tags=["look", "fun"])
    with_ads = make_script(bob, "With ads", tags=[])
    await add_scripts(make_uow, css, featured, with_ads)
    version, code = make_version(with_ads)
    async with make_uow() as uow:
        await uow.scripts.set_featured(featured.id, featured=True)
        await uow.scripts.add_version(
            version, code, antifeatures=["ads"], sites=NO_SITES, replacing=None
        )
        await uow.commit()

    cases = {
        ScriptQuery(language=Language.CSS): [css],
        ScriptQuery(tag="look"): [featured, css],
        ScriptQuery(tag="fun", owner_id=alice.id): [],
        ScriptQuery(owner_id=bob.id): [with_ads, featured],
        ScriptQuery(featured=True): [featured],
        ScriptQuery(featured=False, sort=ScriptSort.NAME): [css, with_ads],
        ScriptQuery(without_antifeatures=True, sort=ScriptSort.NAME): [featured, css],
    }
    async with make_uow() as uow:
        for query, expected in cases.items():
            page = await uow.scripts.search(query)
            found = sorted(s.id for s in page.scripts)
            assert found == sorted(s.id for s in expected), query
            if query.sort is ScriptSort.NAME:
                assert [s.id for s in page.scripts] == [s.id for s in expected], query


async def test_the_catalogue_lists_public_scripts_and_an_owner_every_visibility(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = await add_owners(make_uow, "alice", "bob")
    mine = [
        make_script(alice, f"Mine {v.value}", visibility=v, at=T0)
        for v in (Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE)
    ]
    deleted, theirs = make_script(alice, "Gone"), make_script(bob, "Theirs")
    await add_scripts(make_uow, *mine, deleted, theirs)
    async with make_uow() as uow:
        await uow.scripts.delete(deleted.id, T0)
        await uow.commit()

    async with make_uow() as uow:
        public = await uow.scripts.search(ScriptQuery())
        own = await uow.scripts.search(
            ScriptQuery(owner_id=alice.id, visibilities=frozenset(Visibility))
        )
    assert {s.id for s in public.scripts} == {mine[0].id, theirs.id}
    assert {s.id for s in own.scripts} == {s.id for s in mine}
    assert {s.owner_username for s in own.scripts} == {"alice"}


async def test_a_suspended_owners_scripts_are_not_listed_until_the_owner_is_active(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = await add_owners(make_uow, "alice", "bob")
    hers, his = make_script(alice, "Hers"), make_script(bob, "His")
    await add_scripts(make_uow, hers, his)

    async def listed(**query: Any) -> set[uuid.UUID]:
        async with make_uow() as uow:
            return {s.id for s in (await uow.scripts.search(ScriptQuery(**query))).scripts}

    async def set_status(status: AccountStatus, previous: AccountStatus) -> None:
        async with make_uow() as uow:
            assert await uow.users.change_status(alice.id, status, T0, only_from=[previous])
            await uow.commit()

    await set_status(AccountStatus.SUSPENDED, AccountStatus.ACTIVE)
    assert await listed() == {his.id}
    assert await listed(owner_id=alice.id, visibilities=frozenset(Visibility)) == set()
    for sort in ScriptSort:
        assert await listed(sort=sort) == {his.id}
    await set_status(AccountStatus.ACTIVE, AccountStatus.SUSPENDED)
    assert await listed() == {hers.id, his.id}


async def test_a_cursor_of_another_order_is_a_bad_request(make_uow: MakeUnitOfWork) -> None:
    async with make_uow() as uow:
        for after in (
            ScriptKeyset(ScriptSort.NEWEST, T0, uuid.uuid4()),
            ScriptKeyset(ScriptSort.INSTALLS, "many", uuid.uuid4()),
        ):
            with pytest.raises(BadRequestError):
                await uow.scripts.search(ScriptQuery(sort=ScriptSort.INSTALLS, after=after))
