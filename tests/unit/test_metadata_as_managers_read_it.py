"""The metadata block is read as Violentmonkey and Tampermonkey read it, and what is served
leaves no author-supplied update URL that either would follow.

The oracles below transcribe the managers' own regular expressions (Violentmonkey's released
`METABLOCK_RE` and `parseMeta`, and its newer relaxed ones written to match Tampermonkey) with
JavaScript's character classes; they backtrack, so they only ever see small inputs. The parser
under test must read every generated input exactly as they do.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripthub.domain.errors import ValidationError
from scripthub.domain.metadata_blocks import BlockKind, Dialect, read_block
from scripthub.domain.userscript_metadata import parse_metadata, read_metadata, url_key
from scripthub.domain.userscript_serving import meta_block, rewrite_update_urls

JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
S, NOT_S, DOT = f"[{JS_SPACE}]", f"[^{JS_SPACE}]", "[^\n\r\u2028\u2029]"
JS_TRIM = "".join(chr(c) for c in range(0x10000) if re.fullmatch(S, chr(c)))

STRICT_BLOCK = re.compile(rf"(?:^|\n){S}*// ==UserScript==([\s\S]*?\n){S}*// ==/UserScript==")
STRICT_ENTRY = re.compile(rf"(?:^|\n){S}*// (@{NOT_S}+)({DOT}*)")
RELAXED_BLOCK = re.compile(
    rf"((?:^|\n)({DOT}*?)//([ \t]*)==UserScript==)([\s\S]*?\n)(({DOT}*?)//([ \t]*)==/UserScript==)"
)
RELAXED_ENTRY = re.compile(rf"(?:^|\n)({DOT}*?)//([ \t]*)(@{NOT_S}+)({DOT}*)")
HTML = re.compile(rf"^{S}*<")

Reading = tuple[tuple[str, str], ...] | None


def violentmonkey(code: str) -> Reading:
    block = None if HTML.match(code) else STRICT_BLOCK.search(code)
    if block is None:
        return None
    found = STRICT_ENTRY.finditer(block[1])
    return tuple((entry[1][1:], entry[2].strip(JS_TRIM)) for entry in found)


def tampermonkey(code: str) -> Reading:
    block = RELAXED_BLOCK.search(code)
    if block is None:
        return None
    found = RELAXED_ENTRY.finditer(block[4])
    return tuple((entry[3][1:], entry[4].strip(JS_TRIM)) for entry in found)


def pairs(code: str, dialect: Dialect) -> Reading:
    block = read_block(code, BlockKind.USERSCRIPT, dialect)
    return None if block is None else block.pairs


EVIL = "https://evil.example/x.user.js"
FRAGMENTS = [
    "// ==UserScript==",
    "//==UserScript==",
    "  // ==UserScript== trailing",
    "x = 1; // ==UserScript==",
    "// ==/UserScript==",
    "//\t==/UserScript==",
    "a // ==/UserScript==",
    "// @name A name",
    "//@name Other",
    "// @version 1.0",
    "// @match *://*/*",
    f"// @updateURL {EVIL}",
    f"//\t@downloadURL {EVIL}",
    f"\ufeff// @downloadURL {EVIL}",
    f"// @installURL {EVIL}",
    f"// @updateUrl {EVIL}",
    f"// @update-URL {EVIL}",
    f"// @updateURL: {EVIL}",
    f"// @downloadURL:fr {EVIL}",
    f"x(); // @updateURL {EVIL}",
    f"// a // @updateURL {EVIL}",
    "// @grant none",
    "// plain comment",
    "<html>",
    "",
    "  ",
]
PIECES = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(alphabet="/ \t@=<aU:\r\u2028\u00a0\ufeff", max_size=6),
)
BREAKS = st.sampled_from(["\n", "\n", "\r\n", "\r", "\u2028"])
LINES = st.lists(st.tuples(PIECES, BREAKS), max_size=6).map(
    lambda lines: "".join(text + eol for text, eol in lines)
)
OPENINGS = st.sampled_from([f for f in FRAGMENTS if "==UserScript==" in f])
CLOSINGS = st.sampled_from([f for f in FRAGMENTS if "==/UserScript==" in f])
# Mostly something like a block, with noise before, inside and after it.
CODES = st.one_of(
    st.tuples(LINES, OPENINGS, BREAKS, LINES, CLOSINGS, BREAKS, LINES).map("".join),
    LINES,
)
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(CODES)
def test_each_dialect_reads_what_the_managers_regular_expressions_read(code: str) -> None:
    assert pairs(code, Dialect.STRICT) == violentmonkey(code)
    assert pairs(code, Dialect.RELAXED) == tampermonkey(code)


@PROPERTY
@given(CODES)
def test_accepted_code_reads_the_same_to_both_managers(code: str) -> None:
    try:
        metadata = read_metadata(code)
    except ValidationError:
        return
    if violentmonkey(code) is None:  # a user style, or no block at all
        assert tampermonkey(code) is None
        return
    assert metadata is not None
    assert metadata.entries == violentmonkey(code) == tampermonkey(code)


def update_urls(reading: Reading) -> list[tuple[str, str]]:
    return [(key, value) for key, value in reading or () if url_key(key) is not None]


@PROPERTY
@given(CODES)
def test_served_code_has_no_update_url_but_ours_for_either_manager(code: str) -> None:
    served = rewrite_update_urls(code, "https://hub/u.meta.js", "https://hub/u.user.js")
    ours = {"https://hub/u.meta.js", "https://hub/u.user.js"}

    for read in (violentmonkey, tampermonkey):
        assert {value for _, value in update_urls(read(served))} <= ours, served
    primary = violentmonkey(served) or tampermonkey(served)
    if primary is not None:
        keys = dict(reversed(primary))  # the first value of each key, as the managers take it
        assert keys.get("updateURL") == "https://hub/u.meta.js"
        assert keys.get("downloadURL") == "https://hub/u.user.js"


@pytest.mark.parametrize(
    ("code", "named"),
    [
        pytest.param(
            "//==UserScript==\n//==/UserScript==\n"
            "// ==UserScript==\n// @name Real\n"
            f"// @updateURL {EVIL}\n// @connect *\n// @antifeature tracking\n// ==/UserScript==\n",
            "line 1",
            id="decoy empty block first",
        ),
        pytest.param(
            "//==UserScript==\n// @name Only for Tampermonkey\n//==/UserScript==\n",
            "line 1",
            id="no space after //",
        ),
        pytest.param(
            "// ==UserScript==\n// @name A\n//@updateURL https://x\n// ==/UserScript==\n",
            "line 3",
            id="entry without space",
        ),
        pytest.param(
            "// ==UserScript==\n// @name A\n//\t@grant GM_xmlhttpRequest\n// ==/UserScript==\n",
            "line 3",
            id="tab after //",
        ),
        pytest.param(
            "// ==UserScript==\n// @name A\nrun(); // @match *://*/*\n// ==/UserScript==\n",
            "line 3",
            id="code before //",
        ),
        pytest.param(
            "// ==UserScript==\n// @name A\nx // ==/UserScript==\n// @grant GM_setValue\n"
            "// ==/UserScript==\n",
            "line 3",
            id="closing after code",
        ),
        pytest.param(
            "<!-- page -->\n// ==UserScript==\n// @name A\n// ==/UserScript==\n",
            "HTML",
            id="starts as HTML",
        ),
        pytest.param(
            "// ==UserScript==\n \r// @name A\n// ==/UserScript==\n",
            "line 2",
            id="carriage return before //",
        ),
    ],
)
def test_code_the_managers_would_read_differently_is_refused(code: str, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        read_metadata(code)

    assert refused.value.problems[0].field == "code"
    assert named in refused.value.problems[0].message
    assert violentmonkey(code) != tampermonkey(code)


@pytest.mark.parametrize("key", ["Name", "Grant", "Match:fr", "Antifeature"])
def test_a_known_key_in_another_case_is_refused(key: str) -> None:
    code = f"// ==UserScript==\n// @{key} value\n// ==/UserScript==\n"

    with pytest.raises(ValidationError, match=f"`@{key}`"):
        read_metadata(code)


def test_a_bom_crlf_and_javascript_whitespace_read_as_the_managers_read_them() -> None:
    code = (
        "\ufeff// ==UserScript==\r\n"
        "// @name\u00a0Spaced\u3000\r\n"
        f"\ufeff// @downloadURL {EVIL}\r\n"
        "// @description ends here\u2028// @updateURL not an entry\r\n"
        "// ==/UserScript==\r\n"
    )

    metadata = read_metadata(code)

    assert metadata is not None
    assert metadata.entries == (
        ("name", "Spaced"),
        ("downloadURL", EVIL),
        ("description", "ends here"),
    )
    served = rewrite_update_urls(code, "https://hub/m.js", "https://hub/u.js")
    assert EVIL not in served
    assert "\ufeff// @downloadURL https://hub/u.js\r\n" in served
    assert "// @updateURL https://hub/m.js\r\n// ==/UserScript==\r\n" in served


@pytest.mark.parametrize(
    ("line", "becomes"),
    [
        (f"// @updateUrl {EVIL}", "// @updateURL https://hub/m.js"),
        (f"// @UPDATEURL  {EVIL}", "// @updateURL  https://hub/m.js"),
        (f"// @update-url {EVIL}", "// @updateURL https://hub/m.js"),
        (f"// @update_URL {EVIL}", "// @updateURL https://hub/m.js"),
        (f"// @updateURL: {EVIL}", "// @updateURL https://hub/m.js"),
        (f"// @updateURL:fr {EVIL}", "// @updateURL https://hub/m.js"),
        (f"// @installURL {EVIL}", "// @installURL https://hub/u.js"),
        (f"// @downloadUrl\t{EVIL}", "// @downloadURL\thttps://hub/u.js"),
    ],
)
def test_every_spelling_of_an_update_url_is_replaced_by_ours(line: str, becomes: str) -> None:
    code = f"// ==UserScript==\n// @name A\n{line}\n// ==/UserScript==\nrun();\n"

    served = rewrite_update_urls(code, "https://hub/m.js", "https://hub/u.js")
    meta = meta_block(code, "https://hub/m.js", "https://hub/u.js")

    assert f"\n{becomes}\n" in served
    assert meta is not None
    assert f"\n{becomes}\n" in meta
    assert EVIL not in served + meta
    assert served.endswith("// ==/UserScript==\nrun();\n")


def test_older_code_with_a_decoy_block_is_served_without_the_authors_urls() -> None:
    # Published before the rule that refuses it: both blocks are rewritten.
    code = (
        f"//==UserScript==\n//@updateURL {EVIL}\n//==/UserScript==\n"
        f"// ==UserScript==\n// @name Real\n// @updateURL {EVIL}\n// ==/UserScript==\n"
    )

    served = rewrite_update_urls(code, "https://hub/m.js", "https://hub/u.js")

    assert EVIL not in served
    assert parse_metadata(code) is not None
    assert dict(violentmonkey(served) or ())["updateURL"] == "https://hub/m.js"
    assert dict(tampermonkey(served) or ())["updateURL"] == "https://hub/m.js"


def test_an_entry_on_the_opening_line_counts_as_the_managers_count_it() -> None:
    code = f"// ==UserScript== // @updateURL {EVIL}\n// @name A\n// ==/UserScript==\n"

    metadata = read_metadata(code)
    served = rewrite_update_urls(code, "https://hub/m.js", "https://hub/u.js")

    assert metadata is not None
    assert metadata.entries == (("updateURL", EVIL), ("name", "A"))
    assert served.startswith("// ==UserScript== // @updateURL https://hub/m.js\n")


def test_a_userscript_block_wins_over_a_user_style_block_before_it() -> None:
    code = (
        "/* ==UserStyle==\n@name Decoy\n==/UserStyle== */\n"
        f"// ==UserScript==\n// @name Real\n// @updateURL {EVIL}\n// ==/UserScript==\n"
    )

    metadata = read_metadata(code)
    served = rewrite_update_urls(code, "https://hub/m.js", "https://hub/u.js")

    assert metadata is not None
    assert metadata.name == "Real"
    assert EVIL not in served


PATHOLOGICAL = [
    "// ==UserScript==\n// @name a" + " \t" * 2000 + "b\n// ==/UserScript==\n",
    "// ==UserScript==\n" + " \n" * 2000 + "// ==/UserScript==\n",
    "// ==UserScript==\n" + "// \t" * 2000 + "\n// ==/UserScript==\n",
    "x// ==UserScript==\n" * 500,
    "// ==UserScript==\n" + "// @a b\n" * 1000,
    "/" * 5000,
    "// ==UserScript==\n// @name " + "\u2028" * 3000 + "\n// ==/UserScript==\n",
]


@pytest.mark.parametrize("code", PATHOLOGICAL)
def test_pathological_shapes_read_as_the_managers_read_them(code: str) -> None:
    assert pairs(code, Dialect.STRICT) == violentmonkey(code)
    assert pairs(code, Dialect.RELAXED) == tampermonkey(code)
