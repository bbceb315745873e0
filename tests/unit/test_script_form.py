"""The metadata block fills the script's form (Greasy Fork's rule): on publication where the
body is silent, and on each new version; localized names and descriptions are kept and found."""

from __future__ import annotations

import pytest

from scripthub.application.scripts.get_script import GetScriptQuery
from scripthub.application.scripts.list_scripts import ListScriptsQuery
from scripthub.domain.errors import ValidationError
from scripthub.domain.script_form import DeclaredFields, declared_fields
from scripthub.domain.scripts import Language, LocalizedText
from scripthub.domain.userscript_metadata import parse_metadata
from tests.unit.test_script_publishing import CONTEXT, create, publish
from tests.unit.world import World
from tests.userscripts import userscript

USERSTYLE = """/* ==UserStyle==
@name        Dark Wiki
@description Dark pages
@license     CC0-1.0
@version     1.0
@namespace   example.com
==/UserStyle== */
body { background: black; }
"""
LUA = "print('hello')\n"
UNREADABLE = "// ==UserScript==\n//@name x\n// @version 1.0\n// ==/UserScript==\n"
"""A line only Tampermonkey takes for an entry."""


def test_a_userscript_block_declares_the_form_fields() -> None:
    code = userscript(
        "1.0",
        "description Makes pages dark",
        "license GPL-3.0-or-later",
        "name:fr Mode sombre",
        "description:FR Rend les pages sombres",
        "name:zh-CN 暗黑模式",
        "name:Fr Ignored: the first value of a locale counts",
        "name:123 not a locale, ignored",
        "name: empty locale, ignored",
    )

    declared = declared_fields(parse_metadata(code))

    assert declared == DeclaredFields(
        name="Dark Mode",
        description="Makes pages dark",
        license="GPL-3.0-or-later",
        language=Language.JAVASCRIPT,
        localized={
            "fr": LocalizedText("Mode sombre", "Rend les pages sombres"),
            "zh-cn": LocalizedText("暗黑模式", None),
        },
    )


def test_a_user_style_is_css_and_code_without_a_block_declares_nothing() -> None:
    declared = declared_fields(parse_metadata(USERSTYLE))

    assert (declared.name, declared.description, declared.license, declared.language) == (
        "Dark Wiki",
        "Dark pages",
        "CC0-1.0",
        Language.CSS,
    )
    assert declared_fields(parse_metadata(LUA)) == DeclaredFields()


@pytest.mark.parametrize("license_", ["MIT License", "see LICENSE.txt", "GPL-3.0+ OR"])
def test_a_license_that_is_no_spdx_expression_is_not_taken(license_: str) -> None:
    declared = declared_fields(parse_metadata(userscript("1.0", f"license {license_}")))

    assert declared.license is None


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        (f"name:fr {'x' * 101}", "@name:fr"),
        ("description:de a\x01b", "@description:de"),
    ],
)
def test_a_declared_text_that_breaks_its_field_rule_is_refused_naming_the_key(
    entry: str, key: str
) -> None:
    with pytest.raises(ValidationError) as error:
        declared_fields(parse_metadata(userscript("1.0", entry)))

    assert [problem.field for problem in error.value.problems] == ["code"]
    assert key in error.value.problems[0].message


def test_at_most_100_locales_are_declared() -> None:
    locales = [f"{a}{b}" for a in "abcdefghij" for b in "abcdefghijk"][:101]
    entries = [f"name:{locale} Name" for locale in locales]

    assert len(declared_fields(parse_metadata(userscript("1.0", *entries[:100]))).localized) == 100
    with pytest.raises(ValidationError) as error:
        declared_fields(parse_metadata(userscript("1.0", *entries)))
    assert error.value.problems[0].field == "code"
    assert "101 locales" in error.value.problems[0].message


def test_a_name_of_101_characters_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        declared_fields(parse_metadata(userscript("1.0", name="x" * 101)))

    assert error.value.problems[0].field == "code"
    assert "`@name`" in error.value.problems[0].message


async def test_publishing_takes_what_the_body_leaves_out_from_the_block(world: World) -> None:
    ada = await world.member()
    code = userscript("1.0", "description Makes pages dark", "license MIT", "name:fr Mode sombre")

    script = await create(world, ada, code=code, name=None, language=None)

    assert (script.name, script.description, script.license, script.language) == (
        "Dark Mode",
        "Makes pages dark",
        "MIT",
        Language.JAVASCRIPT,
    )
    assert script.slug == "dark-mode"
    assert script.localized == {"fr": LocalizedText("Mode sombre", None)}
    styled = await create(world, ada, code=USERSTYLE, name=None, language=None)
    assert (styled.name, styled.language, styled.license) == ("Dark Wiki", Language.CSS, "CC0-1.0")


async def test_what_the_body_sends_wins_over_the_block_on_publication(world: World) -> None:
    ada = await world.member()
    code = userscript("1.0", "description From the block", "license MIT")

    script = await create(
        world,
        ada,
        code=code,
        name="From the body",
        language=Language.TYPESCRIPT,
        description="",
        license="Apache-2.0",
    )

    assert (script.name, script.description, script.license, script.language) == (
        "From the body",
        "",
        "Apache-2.0",
        Language.TYPESCRIPT,
    )


async def test_without_a_name_or_language_anywhere_publishing_is_a_422(world: World) -> None:
    ada = await world.member()

    with pytest.raises(ValidationError) as error:
        await create(world, ada, code=LUA, version="1.0", name=None, language=None)

    assert [problem.field for problem in error.value.problems] == ["name", "language"]
    assert "@name" in error.value.problems[0].message
    unnamed = "// ==UserScript==\n// @version 1.0\n// ==/UserScript==\n"
    with pytest.raises(ValidationError) as error:
        await create(world, ada, code=unnamed, name=None, language=None)
    assert [problem.field for problem in error.value.problems] == ["name"]


async def test_unreadable_code_is_reported_alone_not_as_a_missing_name(world: World) -> None:
    ada = await world.member()

    with pytest.raises(ValidationError) as error:
        await create(world, ada, code=UNREADABLE, name=None, language=Language.JAVASCRIPT)

    assert [problem.field for problem in error.value.problems] == ["code"]


async def test_each_new_version_brings_the_name_description_and_license_it_declares(
    world: World,
) -> None:
    ada = await world.member()
    script = await create(
        world, ada, code=userscript("1.0", "name:fr Mode sombre"), description="Old", license="MIT"
    )

    await publish(
        world,
        ada,
        script.id,
        userscript(
            "1.1",
            "description Darker pages",
            "license GPL-3.0-only",
            "description:de Dunkle Seiten",
            name="Darker Mode",
        ),
    )

    changed = await world.get_script().execute(GetScriptQuery(ada, str(script.id)))
    assert (changed.name, changed.description, changed.license, changed.slug) == (
        "Darker Mode",
        "Darker pages",
        "GPL-3.0-only",
        "dark-mode",
    )
    assert changed.localized == {"de": LocalizedText(None, "Dunkle Seiten")}
    updated = [e for e in world.database.audit_entries.values() if e.action == "script.updated"]
    assert [(e.actor_id, str(e.resource_id), e.metadata) for e in updated] == [
        (
            ada.user_id,
            str(script.id),
            {"fields": ["description", "license", "localized", "name"], "version": "1.1"},
        )
    ]


async def test_what_the_block_leaves_out_stays_and_nothing_changed_is_not_audited(
    world: World,
) -> None:
    ada = await world.member()
    script = await create(world, ada, description="Kept", license="MIT")

    await publish(world, ada, script.id, userscript("1.1", "license MIT License"))
    await publish(world, ada, script.id, LUA, version="1.2")

    kept = await world.get_script().execute(GetScriptQuery(ada, str(script.id)))
    assert (kept.name, kept.description, kept.license) == ("Dark Mode", "Kept", "MIT")
    assert "script.updated" not in [action for action, _ in world.audit_actions()]


async def test_a_bad_declared_name_refuses_the_version(world: World) -> None:
    ada = await world.member()
    script = await create(world, ada)

    with pytest.raises(ValidationError) as error:
        await publish(world, ada, script.id, userscript("1.1", name="x" * 101))

    assert [problem.field for problem in error.value.problems] == ["code"]


async def test_localized_names_and_descriptions_are_searched(world: World) -> None:
    ada = await world.member()
    code = userscript("1.0", "name:fr Mode sombre", "description:de Dunkle Seiten")
    script = await create(world, ada, code=code, context=CONTEXT)

    for text in ("sombre", "dunkle", "mode sombre"):
        page = await world.list_scripts().execute(ListScriptsQuery(text=text))
        assert [found.id for found in page.items] == [script.id], text
