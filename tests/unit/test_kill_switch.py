"""The kill switch a `blank` takedown publishes: every manager updates to it, and it does
nothing."""

from __future__ import annotations

import pytest

from scripthub.domain.errors import ConflictError
from scripthub.domain.kill_switch import kill_switch_code, kill_switch_version
from scripthub.domain.userscript_metadata import BlockKind, parse_metadata, read_metadata
from scripthub.domain.version_ordering import compare_tampermonkey, compare_violentmonkey


@pytest.mark.parametrize(
    "versions",
    [
        ["1.0"],
        ["1.0", "1.4.2", "2.0b"],
        ["2026.12.07", "2026.12.08_10-00"],
        ["v3", "beta"],
        ["1.0-rc.1"],
        ["999999999999999999999"],
    ],
)
def test_the_kill_switch_follows_every_version_for_both_managers(versions: list[str]) -> None:
    chosen = kill_switch_version(versions)

    for version in versions:
        assert compare_violentmonkey(version, chosen) < 0
        assert compare_tampermonkey(version, chosen) < 0


def test_the_kill_switch_is_one_more_than_the_greatest_leading_number() -> None:
    assert kill_switch_version(["1.4.2", "2.0b", "10"]) == "11"


def test_no_kill_switch_follows_the_greatest_version_there_is() -> None:
    with pytest.raises(ConflictError):
        kill_switch_version(["9" * 64])


def test_the_kill_switch_keeps_the_name_and_namespace_and_does_nothing() -> None:
    latest = parse_metadata(
        "// ==UserScript==\n// @name Steal Cookies\n// @namespace evil.example\n"
        "// @version 1.2\n// @match *://*/*\n// @grant GM_xmlhttpRequest\n"
        "// @require https://evil.example/x.js\n// ==/UserScript==\nsteal();\n"
    )

    code = kill_switch_code(latest, "Other name", "2")

    metadata = read_metadata(code)
    assert metadata is not None
    assert metadata.kind is BlockKind.USERSCRIPT
    assert (metadata.name, metadata.get("namespace"), metadata.version) == (
        "Steal Cookies",
        "evil.example",
        "2",
    )
    assert {key for key, _ in metadata.entries} == {
        "name",
        "namespace",
        "version",
        "description",
        "grant",
    }
    assert metadata.get("grant") == "none"
    assert code.endswith("// ==/UserScript==\n")


def test_a_user_styles_kill_switch_is_a_user_style_and_code_without_a_block_is_empty() -> None:
    style = parse_metadata(
        "/* ==UserStyle==\n@name Dark\n@namespace me\n@version 1\n==/UserStyle== */\nbody{}"
    )

    code = kill_switch_code(style, "Dark", "2")

    metadata = read_metadata(code)
    assert metadata is not None
    assert metadata.kind is BlockKind.USERSTYLE
    assert (metadata.name, metadata.version) == ("Dark", "2")
    assert code.endswith("==/UserStyle== */\n")
    assert kill_switch_code(None, "Plain", "2") == ""
