"""Full-text search of scripts (`ScriptQuery.text`): the same matches and, on clear cases, the
same ranking on every adapter (PostgreSQL text search, SQLite FTS5, the in-memory fake)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from scripthub.application.ports.scripts import ScriptChanges, ScriptQuery, ScriptSort
from scripthub.domain.scripts import LocalizedText, Script, Visibility
from scripthub.domain.users import AccountStatus
from tests.contract.samples import T0
from tests.contract.uow_backends import MakeUnitOfWork, add_owners
from tests.script_builders import add_scripts, make_script

# (name, description, tags), created a minute apart in this order.
CORPUS = {
    "clock": ("Clock Tweaks", "Shows the seconds too.", ["time"]),
    "cleaner": ("Page Cleaner", "Hides the clock widget and ads.", ["clean"]),
    "theme": ("Night Theme", "Dark colours for pages.", ["clockwork"]),
    "cafe": ("Café Crème", "Résumé helper, naïve.", ["food"]),
    "twin1": ("Twin Script", "Same words here.", ["twin"]),
    "twin2": ("Twin Script", "Same words here.", ["twin"]),
    "private": ("Private Clock", "Hidden clock.", ["time"]),
    "deleted": ("Deleted Clock", "Gone clock.", ["time"]),
}


async def corpus(make_uow: MakeUnitOfWork) -> dict[str, Script]:
    (owner,) = await add_owners(make_uow, "owner")
    scripts = {
        key: make_script(
            owner,
            name,
            slug=f"script-{key}",
            description=description,
            tags=tags,
            at=T0 + timedelta(minutes=n),
            visibility=Visibility.PRIVATE if key == "private" else Visibility.PUBLIC,
        )
        for n, (key, (name, description, tags)) in enumerate(CORPUS.items())
    }
    await add_scripts(make_uow, *scripts.values())
    async with make_uow() as uow:
        await uow.scripts.delete(scripts["deleted"].id, T0)
        await uow.commit()
    return scripts


async def found(make_uow: MakeUnitOfWork, query: ScriptQuery) -> list[str]:
    async with make_uow() as uow:
        page = await uow.scripts.search(query)
    return [script.slug.removeprefix("script-") for script in page.scripts]


def twins(scripts: dict[str, Script]) -> list[str]:
    """The two scripts of equal relevance, in id order (descending)."""
    return sorted(["twin1", "twin2"], key=lambda key: scripts[key].id, reverse=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clock", ["clock", "theme", "cleaner"]),
        ("CLOCK", ["clock", "theme", "cleaner"]),
        ("clo", ["clock", "theme", "cleaner"]),
        ("clock widget", ["cleaner"]),
        ("widget clock", ["cleaner"]),
        ("tweaks clock", ["clock"]),
        ("cafe", ["cafe"]),
        ("CRÈME résumé", ["cafe"]),
        ("naive", ["cafe"]),
        ("time", ["clock"]),
        ("seconds", ["clock"]),
        ("lock", []),
        ("clock nothing", []),
        ("!!!", []),
        ("'quoted\" OR AND NOT *", []),
    ],
)
async def test_search_matches_word_prefixes_ranked_name_then_tags_then_description(
    make_uow: MakeUnitOfWork, text: str, expected: list[str]
) -> None:
    await corpus(make_uow)

    assert await found(make_uow, ScriptQuery(text=text, sort=ScriptSort.RELEVANCE)) == expected


async def test_equally_relevant_scripts_order_by_id(make_uow: MakeUnitOfWork) -> None:
    scripts = await corpus(make_uow)

    relevance = ScriptQuery(text="twin", sort=ScriptSort.RELEVANCE)
    assert await found(make_uow, relevance) == twins(scripts)


async def test_relevance_pages_stably(make_uow: MakeUnitOfWork) -> None:
    scripts = await corpus(make_uow)
    query = ScriptQuery(text="clock", sort=ScriptSort.RELEVANCE, limit=1)
    pages: list[list[str]] = []
    async with make_uow() as uow:
        page = await uow.scripts.search(query)
        while True:
            pages.append([s.slug.removeprefix("script-") for s in page.scripts])
            if page.next is None:
                break
            page = await uow.scripts.search(dataclasses.replace(query, after=page.next))
        twin_pages = [
            (await uow.scripts.search(dataclasses.replace(query, text="script", after=after)))
            for after in (None,)
        ]

    assert pages == [["clock"], ["theme"], ["cleaner"]]
    assert twin_pages[0].next is not None
    async with make_uow() as uow:
        rest = await uow.scripts.search(
            dataclasses.replace(query, text="script", after=twin_pages[0].next)
        )
    tied = [twin_pages[0].scripts[0].id, rest.scripts[0].id]
    assert tied == [scripts[key].id for key in twins(scripts)]
    assert rest.next is None


async def test_relevance_pages_past_more_best_matches_than_are_listed(
    make_uow: MakeUnitOfWork,
) -> None:
    # Nine private scripts name "lamp" (the best matches), more than pages of one.
    (owner,) = await add_owners(make_uow, "owner")
    hidden = [
        make_script(owner, "Lamp", slug=f"hidden-{n}", visibility=Visibility.PRIVATE)
        for n in range(9)
    ]
    listed = [
        make_script(owner, "Desk", slug="desk", description="Wood.", tags=["lamp"]),
        make_script(owner, "Shade", slug="shade", description="For a lamp.", tags=[]),
    ]
    await add_scripts(make_uow, *hidden, *listed)
    query = ScriptQuery(text="lamp", sort=ScriptSort.RELEVANCE, limit=1)

    slugs = []
    async with make_uow() as uow:
        page = await uow.scripts.search(query)
        slugs.append([script.slug for script in page.scripts])
        assert page.next is not None
        page = await uow.scripts.search(dataclasses.replace(query, after=page.next))
        slugs.append([script.slug for script in page.scripts])

    assert slugs == [["desk"], ["shade"]]
    assert page.next is None
    assert len(await found(make_uow, dataclasses.replace(query, limit=20))) == len(listed)


async def test_search_combines_with_other_orders_and_filters(make_uow: MakeUnitOfWork) -> None:
    await corpus(make_uow)

    newest = ScriptQuery(text="clock", sort=ScriptSort.NEWEST)
    assert await found(make_uow, newest) == ["theme", "cleaner", "clock"]
    by_name = ScriptQuery(text="clock", sort=ScriptSort.NAME)
    assert await found(make_uow, by_name) == ["clock", "theme", "cleaner"]
    assert await found(make_uow, ScriptQuery(text="clock", tag="clean")) == ["cleaner"]
    relevance = ScriptSort.RELEVANCE
    tagged = ScriptQuery(text="clock", sort=relevance, tag="time")
    assert await found(make_uow, tagged) == ["clock"]
    every = frozenset(Visibility)
    hidden_too = ScriptQuery(text="hidden", visibilities=every)
    assert await found(make_uow, hidden_too) == ["private"]
    ranked_hidden_too = ScriptQuery(text="hidden", sort=relevance, visibilities=every)
    assert await found(make_uow, ranked_hidden_too) == ["private"]
    assert await found(make_uow, ScriptQuery(text="gone", visibilities=every)) == []


async def test_an_edit_is_searchable_at_once(make_uow: MakeUnitOfWork) -> None:
    scripts = await corpus(make_uow)

    async with make_uow() as uow:
        await uow.scripts.edit(
            scripts["cafe"].id,
            ScriptChanges(name="Bakery", description="Bread.", tags=["sourdough"]),
            T0,
        )
        await uow.commit()

    assert await found(make_uow, ScriptQuery(text="cafe")) == []
    assert await found(make_uow, ScriptQuery(text="sourdough bakery bread")) == ["cafe"]


async def test_localized_names_and_descriptions_are_found_and_follow_edits(
    make_uow: MakeUnitOfWork,
) -> None:
    (owner,) = await add_owners(make_uow, "owner")
    localized = {
        "fr": LocalizedText("Mode sombre", "Assombrit les pages"),
        "de": LocalizedText(None, "Dunkle Seiten, sombre"),
    }
    script = dataclasses.replace(make_script(owner, "Dark Mode"), localized=localized)
    other = make_script(
        owner, "Night", slug="other", description="Sombre colours.", at=T0 + timedelta(minutes=1)
    )
    await add_scripts(make_uow, script, other)

    # A localized name weighs as the name: more than the other's description.
    assert await found(make_uow, ScriptQuery(text="sombre", sort=ScriptSort.RELEVANCE)) == [
        "dark-mode",
        "other",
    ]
    assert await found(make_uow, ScriptQuery(text="assombrit dunkle")) == ["dark-mode"]
    async with make_uow() as uow:
        changes = ScriptChanges(localized={"es": LocalizedText("Modo oscuro", None)})
        await uow.scripts.edit(script.id, changes, T0)
        await uow.commit()
    assert await found(make_uow, ScriptQuery(text="assombrit")) == []
    assert await found(make_uow, ScriptQuery(text="oscuro")) == ["dark-mode"]


async def test_a_suspended_owners_scripts_are_not_found(make_uow: MakeUnitOfWork) -> None:
    await corpus(make_uow)
    (other,) = await add_owners(make_uow, "other")
    await add_scripts(make_uow, make_script(other, "Clock Elsewhere", slug="script-elsewhere"))
    async with make_uow() as uow:
        assert await uow.users.change_status(
            other.id, AccountStatus.SUSPENDED, T0, only_from=[AccountStatus.ACTIVE]
        )
        await uow.commit()

    for sort in (ScriptSort.RELEVANCE, ScriptSort.NEWEST):
        assert "elsewhere" not in await found(make_uow, ScriptQuery(text="clock", sort=sort))
    narrowed = ScriptQuery(text="clock", sort=ScriptSort.RELEVANCE, owner_id=other.id)
    assert await found(make_uow, narrowed) == []


# Names written without spaces between words, the way CJK titles are.
CJK_CORPUS = {
    "csdn": ("解除CSDN登录复制", "去除登录限制。", ["工具"]),
    "video": ("YouTube動画をダウンロード", "ワンクリックで保存", ["動画"]),
    "korean": ("한국어번역기", "웹페이지를 번역합니다", ["번역"]),
    "trad": ("繁體中文轉換", "簡體轉繁體", ["中文"]),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("csdn", ["csdn"]),
        ("登录", ["csdn"]),
        ("复制", ["csdn"]),
        ("登录复制", ["csdn"]),
        ("解除 CSDN", ["csdn"]),
        ("CSDN复制", ["csdn"]),
        ("复", ["csdn"]),
        ("制", ["csdn"]),
        ("复登", []),
        ("youtube 動画", ["video"]),
        ("ダウンロード", ["video"]),
        ("ｸﾘｯｸ", ["video"]),
        ("번역", ["korean"]),
        ("번역기", ["korean"]),
        ("웹페이지", ["korean"]),
        ("中文", ["trad"]),
        ("轉換", ["trad"]),
        ("换", []),
    ],
)
async def test_words_inside_cjk_runs_are_found(
    make_uow: MakeUnitOfWork, text: str, expected: list[str]
) -> None:
    (owner,) = await add_owners(make_uow, "owner")
    await add_scripts(
        make_uow,
        *(
            make_script(owner, name, slug=f"script-{key}", description=description, tags=tags)
            for key, (name, description, tags) in CJK_CORPUS.items()
        ),
    )

    assert await found(make_uow, ScriptQuery(text=text, sort=ScriptSort.RELEVANCE)) == expected


async def test_a_cjk_word_in_the_name_ranks_above_one_in_the_description(
    make_uow: MakeUnitOfWork,
) -> None:
    (owner,) = await add_owners(make_uow, "owner")
    await add_scripts(
        make_uow,
        make_script(owner, "页面清理", slug="script-description", description="登录助手"),
        make_script(owner, "登录助手", slug="script-name", description="页面清理"),
    )

    relevance = ScriptQuery(text="登录", sort=ScriptSort.RELEVANCE)
    assert await found(make_uow, relevance) == ["name", "description"]
