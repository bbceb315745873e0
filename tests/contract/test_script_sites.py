"""Browsing by site (`ScriptQuery.site`): the scripts whose latest version's `@match` or
`@include` patterns name the host, or a domain above it with its subdomains, the same on every
adapter, in every order, paged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scripthub.application.ports.scripts import ScriptQuery, ScriptSort, SiteCount
from scripthub.domain.script_versions import metadata_sites
from scripthub.domain.scripts import Script, Visibility
from scripthub.domain.users import AccountStatus
from scripthub.domain.userscript_metadata import parse_metadata
from tests.contract.samples import T0
from tests.contract.uow_backends import MakeUnitOfWork, add_owners
from tests.script_builders import add_scripts, make_script, make_version
from tests.userscripts import userscript

# The patterns of each script's latest version, created a minute apart in this order.
PATTERNS = {
    "exact": ["match https://www.youtube.com/watch*"],
    "wildcard": ["match *://*.youtube.com/*"],
    "mobile": ["match https://m.youtube.com/*"],
    "include": ["include *youtube.com*", "exclude *://music.youtube.com/*"],
    "everywhere": ["match <all_urls>"],
    "other": ["match https://github.com/*", "include /youtube\\.com/"],
    "private": ["match https://youtube.com/*"],
    "deleted": ["match https://youtube.com/*"],
}


async def catalogue(make_uow: MakeUnitOfWork) -> dict[str, Script]:
    (owner,) = await add_owners(make_uow, "owner")
    scripts = {
        key: make_script(
            owner,
            f"Script {key}",
            slug=f"script-{key}",
            at=T0 + timedelta(minutes=n),
            visibility=Visibility.PRIVATE if key == "private" else Visibility.PUBLIC,
        )
        for n, key in enumerate(PATTERNS)
    }
    versions = [
        make_version(script, code=userscript("1.0", *PATTERNS[key], name=script.name))
        for key, script in scripts.items()
    ]
    await add_scripts(make_uow, *scripts.values(), versions=versions)
    async with make_uow() as uow:
        await uow.scripts.delete(scripts["deleted"].id, T0)
        await uow.commit()
    return scripts


async def listed(make_uow: MakeUnitOfWork, query: ScriptQuery) -> list[str]:
    async with make_uow() as uow:
        page = await uow.scripts.search(query)
    return [script.slug.removeprefix("script-") for script in page.scripts]


@pytest.mark.parametrize(
    ("site", "all_sites", "expected"),
    [
        ("youtube.com", False, ["include", "wildcard", "exact"]),
        ("m.youtube.com", False, ["include", "mobile", "wildcard"]),
        ("music.youtube.com", False, ["include", "wildcard"]),
        ("youtube.com", True, ["everywhere", "include", "wildcard", "exact"]),
        ("github.com", False, ["other"]),
        ("github.com", True, ["other", "everywhere"]),
        ("example.org", False, []),
        ("example.org", True, ["everywhere"]),
        ("com", False, []),
    ],
)
async def test_a_site_lists_the_scripts_whose_patterns_apply_to_it(
    make_uow: MakeUnitOfWork, site: str, all_sites: bool, expected: list[str]
) -> None:
    await catalogue(make_uow)

    assert await listed(make_uow, ScriptQuery(site=site, all_sites=all_sites)) == expected


@pytest.mark.parametrize("sort", [sort for sort in ScriptSort if sort is not ScriptSort.RELEVANCE])
async def test_a_site_pages_in_every_order(make_uow: MakeUnitOfWork, sort: ScriptSort) -> None:
    await catalogue(make_uow)
    everything = await listed(make_uow, ScriptQuery(site="youtube.com", all_sites=True, sort=sort))

    pages: list[list[str]] = []
    query = ScriptQuery(site="youtube.com", all_sites=True, sort=sort, limit=1)
    while True:
        async with make_uow() as uow:
            page = await uow.scripts.search(query)
        pages.append([script.slug.removeprefix("script-") for script in page.scripts])
        if page.next is None:
            break
        query = ScriptQuery(site="youtube.com", all_sites=True, sort=sort, limit=1, after=page.next)

    assert [key for page in pages for key in page] == everything
    assert sorted(everything) == ["everywhere", "exact", "include", "wildcard"]


async def test_a_site_combines_with_search_and_filters(make_uow: MakeUnitOfWork) -> None:
    await catalogue(make_uow)

    by_relevance = ScriptQuery(text="wildcard", site="youtube.com", sort=ScriptSort.RELEVANCE)
    assert await listed(make_uow, by_relevance) == ["wildcard"]
    assert await listed(make_uow, ScriptQuery(text="other", site="youtube.com")) == []
    assert await listed(make_uow, ScriptQuery(site="youtube.com", tag="nothing")) == []


async def test_a_new_version_moves_the_script_to_its_new_sites(make_uow: MakeUnitOfWork) -> None:
    scripts = await catalogue(make_uow)
    moved = scripts["other"]
    code = userscript("2.0", "match https://gitlab.com/*", name=moved.name)
    version, _ = make_version(moved, "2.0", code=code, at=T0 + timedelta(hours=1))
    async with make_uow() as uow:
        assert await uow.scripts.add_version(
            version,
            code,
            antifeatures=[],
            sites=metadata_sites(parse_metadata(code)),
            replacing="1.0",
        )
        await uow.commit()

    assert await listed(make_uow, ScriptQuery(site="github.com")) == []
    assert await listed(make_uow, ScriptQuery(site="gitlab.com")) == ["other"]


async def test_top_sites_count_the_listed_scripts_per_host(make_uow: MakeUnitOfWork) -> None:
    await catalogue(make_uow)
    (suspended,) = await add_owners(make_uow, "suspended")
    hidden = make_script(suspended, "Hidden", slug="script-hidden")
    code = userscript("1.0", "match https://youtube.com/*", name="Hidden")
    await add_scripts(make_uow, hidden, versions=[make_version(hidden, code=code)])
    async with make_uow() as uow:
        await uow.users.change_status(
            suspended.id, AccountStatus.SUSPENDED, T0, only_from=[AccountStatus.ACTIVE]
        )
        await uow.commit()

    async with make_uow() as uow:
        top = await uow.scripts.top_sites(10)
        first = await uow.scripts.top_sites(1)

    # exact + wildcard + include on youtube.com; private, deleted, suspended and
    # everywhere left out.
    assert top == [
        SiteCount("youtube.com", 3),
        SiteCount("github.com", 1),
        SiteCount("m.youtube.com", 1),
    ]
    assert first == top[:1]
