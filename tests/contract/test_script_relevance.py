"""The order `relevance` lists a search in, the same on every adapter: the most installed
matches that pass the filters (`ScriptQuery.ranked_matches` of them) ranked best first, then
the other matches, most installed first; cursors that cross from one part to the other."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from scripthub.application.ports.scripts import ScriptQuery, ScriptSort
from scripthub.domain.scripts import Visibility
from scripthub.domain.users import AccountStatus
from tests.contract.samples import T0
from tests.contract.uow_backends import MakeUnitOfWork, add_owners
from tests.script_builders import add_scripts, make_script, make_version
from tests.userscripts import userscript

# (name, description, tags, installs, runs on youtube.com); every one says "lamp" once.
LAMPS = {
    "shade": ("Shade", "Lamp shade.", [], 50, False),
    "timer": ("Lamp Timer", "Timer.", [], 40, True),
    "desk": ("Desk", "Wood.", ["lamp"], 30, True),
    "switch": ("Lamp Switch", "Switch.", [], 20, False),
    "bulb": ("Bulb", "Lamp bulb.", [], 10, True),
    "stand": ("Stand", "Metal.", ["lamp"], 5, True),
    "hidden": ("Lamp Hidden", "Private.", [], 60, True),
}
RANKED = 3


async def lamps(make_uow: MakeUnitOfWork) -> None:
    (owner,) = await add_owners(make_uow, "owner")
    scripts = {
        key: make_script(
            owner,
            name,
            slug=f"script-{key}",
            description=description,
            tags=tags,
            at=T0 + timedelta(minutes=n),
            visibility=Visibility.PRIVATE if key == "hidden" else Visibility.PUBLIC,
        )
        for n, (key, (name, description, tags, _, _)) in enumerate(LAMPS.items())
    }
    site = {True: ["match https://www.youtube.com/*"], False: ["match https://github.com/*"]}
    versions = [
        make_version(script, code=userscript("1.0", *site[LAMPS[key][4]], name=script.name))
        for key, script in scripts.items()
    ]
    await add_scripts(make_uow, *scripts.values(), versions=versions)
    async with make_uow() as uow:
        await uow.scripts.add_install_counts(
            {script.id: LAMPS[key][3] for key, script in scripts.items()}
        )
        await uow.commit()


async def every_page(make_uow: MakeUnitOfWork, query: ScriptQuery) -> list[list[str]]:
    """The slugs of each page of `query`, following the cursors to the end."""
    pages = []
    async with make_uow() as uow:
        page = await uow.scripts.search(query)
        pages.append([script.slug.removeprefix("script-") for script in page.scripts])
        while page.next is not None:
            page = await uow.scripts.search(dataclasses.replace(query, after=page.next))
            pages.append([script.slug.removeprefix("script-") for script in page.scripts])
    return pages


LAMP = ScriptQuery(text="lamp", sort=ScriptSort.RELEVANCE, ranked_matches=RANKED)


async def test_the_most_installed_matches_are_ranked_and_the_others_follow_by_installs(
    make_uow: MakeUnitOfWork,
) -> None:
    await lamps(make_uow)

    # Ranked: the three most installed public matches (shade 50, timer 40, desk 30), by
    # where the word is: name, tags, description. Then switch (a name match, 20 installs),
    # bulb and stand, by installs.
    assert await every_page(make_uow, LAMP) == [
        ["timer", "desk", "shade", "switch", "bulb", "stand"]
    ]


async def test_with_no_more_matches_than_are_ranked_every_match_is_ranked(
    make_uow: MakeUnitOfWork,
) -> None:
    await lamps(make_uow)

    [found] = await every_page(make_uow, dataclasses.replace(LAMP, ranked_matches=6))
    # The names first, then the tags, then the descriptions (each pair in an order of its
    # own: equal ranks are in id order).
    assert [set(found[n : n + 2]) for n in (0, 2, 4)] == [
        {"switch", "timer"},
        {"desk", "stand"},
        {"shade", "bulb"},
    ]
    assert found == (await every_page(make_uow, dataclasses.replace(LAMP, ranked_matches=1000)))[0]


async def test_pages_cross_from_the_ranked_matches_to_the_others_stably(
    make_uow: MakeUnitOfWork,
) -> None:
    await lamps(make_uow)

    for limit in (1, 2, 4):
        pages = await every_page(make_uow, dataclasses.replace(LAMP, limit=limit))
        assert [slug for page in pages for slug in page] == [
            "timer",
            "desk",
            "shade",
            "switch",
            "bulb",
            "stand",
        ], limit
        assert all(len(page) == limit for page in pages[:-1])


async def test_a_cursor_past_the_ranked_matches_belongs_to_relevance(
    make_uow: MakeUnitOfWork,
) -> None:
    await lamps(make_uow)
    async with make_uow() as uow:
        page = await uow.scripts.search(dataclasses.replace(LAMP, limit=4))
    assert page.next is not None
    assert page.next.key < 0

    async with make_uow() as uow:
        rest = await uow.scripts.search(dataclasses.replace(LAMP, after=page.next))
    assert [script.slug for script in rest.scripts] == ["script-bulb", "script-stand"]


async def test_the_filters_choose_the_ranked_matches(make_uow: MakeUnitOfWork) -> None:
    await lamps(make_uow)

    # On youtube.com: timer 40, desk 30 and bulb 10 are the most installed (the private one
    # is not listed); stand follows.
    on_site = dataclasses.replace(LAMP, site="youtube.com")
    assert await every_page(make_uow, on_site) == [["timer", "desk", "bulb", "stand"]]
    tagged = dataclasses.replace(LAMP, tag="lamp", ranked_matches=1)
    assert await every_page(make_uow, tagged) == [["desk", "stand"]]


async def test_the_matches_below_the_most_installed_are_listed_as_the_others(
    make_uow: MakeUnitOfWork,
) -> None:
    # One candidate ranked, pages of one: PostgreSQL walks the 4 most installed scripts
    # (none says "lamp"), then reads the matches below them tier by tier (`script_tiers`),
    # filtered by what their search rows copy of the scripts.
    owner, gone = await add_owners(make_uow, "owner", "gone")
    fillers = [make_script(owner, f"Filler {n}", description="Other.") for n in range(6)]
    below = {
        "public": (owner, Visibility.PUBLIC, 9),
        "private": (owner, Visibility.PRIVATE, 8),
        "unlisted": (owner, Visibility.UNLISTED, 7),
        "deleted": (owner, Visibility.PUBLIC, 6),
        "suspended": (gone, Visibility.PUBLIC, 5),
        "low": (owner, Visibility.PUBLIC, 1),
        "none": (owner, Visibility.PUBLIC, 0),
    }
    lamps = {
        key: make_script(user, f"Lamp {key}", slug=f"script-{key}", visibility=visibility)
        for key, (user, visibility, _) in below.items()
    }
    await add_scripts(make_uow, *fillers, *lamps.values())
    async with make_uow() as uow:
        counts = {script.id: 1000 + n for n, script in enumerate(fillers)}
        for key, script in lamps.items():
            counts[script.id] = below[key][2]
        await uow.scripts.add_install_counts(counts)
        assert await uow.scripts.delete(lamps["deleted"].id, T0)
        await uow.users.change_status(
            gone.id, AccountStatus.SUSPENDED, T0, only_from=(AccountStatus.ACTIVE,)
        )
        await uow.commit()

    query = dataclasses.replace(LAMP, ranked_matches=1, limit=1)
    assert await every_page(make_uow, query) == [["public"], ["low"], ["none"]]
