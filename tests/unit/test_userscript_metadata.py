"""The metadata parser and what is served to script managers, on real-world headers."""

from __future__ import annotations

from scripthub.domain.userscript_metadata import BlockKind, parse_metadata
from scripthub.domain.userscript_serving import meta_block, rewrite_update_urls

# A Greasy Fork style header: localized keys, aligned values, SRI-pinned @require, a data: icon.
GREASY_FORK = """\
// ==UserScript==
// @name         YouTube Tweaks
// @name:fr      Réglages YouTube
// @namespace    https://greasyfork.org/users/12345
// @version      2.4.1
// @description  Hides shorts and restores the dislike count
// @description:de  Versteckt Shorts
// @author       someone
// @match        https://www.youtube.com/*
// @match        https://m.youtube.com/*
// @include      /^https://music\\.youtube\\.com/.*$/
// @exclude      https://www.youtube.com/embed/*
// @icon         data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h
// @require      https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js#sha256-/JqT3SQfawRcv/BIHPThkBvs0OEvtFFmqPF/lYI/Cxo=
// @resource     css https://example.com/style.css
// @resource     logo data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=
// @grant        GM_xmlhttpRequest
// @grant        GM_addStyle
// @connect      returnyoutubedislikeapi.com
// @antifeature  tracking Sends video ids to a third-party API
// @antifeature:fr tracking Envoie les identifiants à une API tierce
// @antifeature  cryptojacking an unknown type
// @license      MIT
// @run-at       document-start
// @noframes
// @downloadURL  https://update.greasyfork.org/scripts/1/YouTube.user.js
// @updateURL    https://update.greasyfork.org/scripts/1/YouTube.meta.js
// ==/UserScript==

(function () {
  'use strict';
})();
"""

# From userstyles.world: a UserCSS header, `@key value` lines inside a CSS comment.
USERSTYLE = """\
/* ==UserStyle==
@name           GitHub Dark Dimmed
@namespace      userstyles.world/user/example
@version        1.0.3
@description    A dimmer GitHub
@author         example
@license        CC0-1.0
@preprocessor   stylus
@var color accent "Accent colour" #58a6ff
@var checkbox rounded "Rounded corners" 1
==/UserStyle== */

@-moz-document domain("github.com") {
  body { background: #22272e; }
}
"""


def test_a_greasy_fork_header_parses_into_keys_and_lists() -> None:
    metadata = parse_metadata(GREASY_FORK)

    assert metadata is not None
    assert metadata.kind is BlockKind.USERSCRIPT
    assert metadata.name == "YouTube Tweaks"
    assert metadata.version == "2.4.1"
    assert metadata.as_json() == {
        "name": "YouTube Tweaks",
        "name:fr": "Réglages YouTube",
        "namespace": "https://greasyfork.org/users/12345",
        "version": "2.4.1",
        "description": "Hides shorts and restores the dislike count",
        "description:de": "Versteckt Shorts",
        "author": "someone",
        "match": ["https://www.youtube.com/*", "https://m.youtube.com/*"],
        "include": ["/^https://music\\.youtube\\.com/.*$/"],
        "exclude": ["https://www.youtube.com/embed/*"],
        "icon": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h",
        "require": [
            (
                "https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js"
                "#sha256-/JqT3SQfawRcv/BIHPThkBvs0OEvtFFmqPF/lYI/Cxo="
            )
        ],
        "resource": [
            "css https://example.com/style.css",
            "logo data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        ],
        "grant": ["GM_xmlhttpRequest", "GM_addStyle"],
        "connect": ["returnyoutubedislikeapi.com"],
        "antifeature": [
            "tracking Sends video ids to a third-party API",
            "cryptojacking an unknown type",
        ],
        "antifeature:fr": ["tracking Envoie les identifiants à une API tierce"],
        "license": "MIT",
        "run-at": "document-start",
        "noframes": "",
        "downloadURL": "https://update.greasyfork.org/scripts/1/YouTube.user.js",
        "updateURL": "https://update.greasyfork.org/scripts/1/YouTube.meta.js",
    }
    assert metadata.get_list("grant") == ["GM_xmlhttpRequest", "GM_addStyle"]
    assert metadata.antifeatures == ["tracking"]  # the unknown type is left out
    assert GREASY_FORK[metadata.start : metadata.end].endswith("// ==/UserScript==\n")
    assert metadata.start == 0


def test_a_userstyle_header_parses_without_line_comments() -> None:
    metadata = parse_metadata(USERSTYLE)

    assert metadata is not None
    assert metadata.kind is BlockKind.USERSTYLE
    assert metadata.as_json() == {
        "name": "GitHub Dark Dimmed",
        "namespace": "userstyles.world/user/example",
        "version": "1.0.3",
        "description": "A dimmer GitHub",
        "author": "example",
        "license": "CC0-1.0",
        "preprocessor": "stylus",
        "var": ['color accent "Accent colour" #58a6ff', 'checkbox rounded "Rounded corners" 1'],
    }
    assert USERSTYLE[metadata.start : metadata.end] == USERSTYLE.split("\n\n", maxsplit=1)[0] + "\n"


def test_crlf_line_endings_do_not_leak_into_values() -> None:
    code = "// ==UserScript==\r\n// @name  CRLF\r\n// @grant none\r\n// ==/UserScript==\r\nx();\r\n"

    metadata = parse_metadata(code)

    assert metadata is not None
    assert metadata.as_json() == {"name": "CRLF", "grant": ["none"]}
    assert code[metadata.start : metadata.end] == code.removesuffix("x();\r\n")


def test_odd_spacing_tabs_missing_space_and_empty_values() -> None:
    code = (
        "  //  ==UserScript==\n"
        "//@name\tTabbed   name  \n"
        "\t// @version \t 1.0\n"
        "//   @description\n"
        "// a plain comment line\n"
        "//\n"
        "// @name   Second name\n"
        "  // ==/UserScript==   \n"
    )

    metadata = parse_metadata(code)

    assert metadata is not None
    assert metadata.as_json() == {
        "name": ["Tabbed   name", "Second name"],  # a repeated key becomes a list
        "version": "1.0",
        "description": "",
    }
    assert metadata.name == "Tabbed   name"  # the first wins, as in Tampermonkey/Violentmonkey


def test_a_block_that_never_closes_is_no_block() -> None:
    code = "// ==UserScript==\n// @name Broken\n// @version 1\nalert(1);\n"

    assert parse_metadata(code) is None
    assert rewrite_update_urls(code, "u", "d") == code
    assert meta_block(code, "u", "d") is None


def test_a_block_after_leading_code_is_found_and_only_the_first_counts() -> None:
    code = (
        "/* Copyright 2024 */\n'use strict';\n"
        "// ==UserScript==\n// @name First\n// ==/UserScript==\n"
        "// ==UserScript==\n// @name Second\n// ==/UserScript==\n"
    )

    metadata = parse_metadata(code)

    assert metadata is not None
    assert metadata.as_json() == {"name": "First"}
    assert metadata.start == len("/* Copyright 2024 */\n'use strict';\n")


def test_code_without_a_block_has_no_metadata() -> None:
    assert parse_metadata("print('hello')\n") is None
    assert parse_metadata("") is None


def test_served_code_points_both_update_urls_at_us_and_keeps_the_rest() -> None:
    served = rewrite_update_urls(
        GREASY_FORK, "https://hub/s/1/yt.meta.js", "https://hub/s/1/yt.user.js"
    )

    assert served == GREASY_FORK.replace(
        "https://update.greasyfork.org/scripts/1/YouTube.user.js", "https://hub/s/1/yt.user.js"
    ).replace(
        "https://update.greasyfork.org/scripts/1/YouTube.meta.js", "https://hub/s/1/yt.meta.js"
    )


def test_missing_update_urls_are_added_aligned_before_the_closing_line() -> None:
    code = (
        "// ==UserScript==\r\n// @name         Aligned\r\n// @version      1\r\n"
        "// ==/UserScript==\r\nrun();\r\n"
    )

    served = rewrite_update_urls(code, "https://hub/m.meta.js", "https://hub/m.user.js")

    assert served == (
        "// ==UserScript==\r\n// @name         Aligned\r\n// @version      1\r\n"
        "// @updateURL    https://hub/m.meta.js\r\n"
        "// @downloadURL  https://hub/m.user.js\r\n"
        "// ==/UserScript==\r\nrun();\r\n"
    )


def test_a_pinned_version_says_none_and_a_value_less_key_gets_one() -> None:
    code = "// ==UserScript==\n//@downloadURL\n// @updateurl\thttps://old\n// ==/UserScript==\n"

    served = rewrite_update_urls(code, "none", "none")

    # `//@downloadURL` is Tampermonkey's entry only, so Violentmonkey gets a line of its own;
    # `@updateurl` is spelled as Violentmonkey's case-sensitive keys read it.
    assert served == (
        "// ==UserScript==\n//@downloadURL none\n// @updateURL\tnone\n"
        "// @downloadURL none\n// ==/UserScript==\n"
    )


def test_a_userstyle_gets_update_urls_without_line_comments() -> None:
    served = rewrite_update_urls(USERSTYLE, "https://hub/s.meta.css", "https://hub/s.user.css")

    assert "@license        CC0-1.0\n" in served
    assert served.endswith(
        '@var checkbox rounded "Rounded corners" 1\n'
        "@updateURL      https://hub/s.meta.css\n"
        "@downloadURL    https://hub/s.user.css\n"
        "==/UserStyle== */\n\n"
        '@-moz-document domain("github.com") {\n  body { background: #22272e; }\n}\n'
    )


def test_the_meta_block_leaves_out_code_and_data_uri_icons_and_resources() -> None:
    meta = meta_block(GREASY_FORK, "https://hub/1.meta.js", "https://hub/1.user.js")

    assert meta is not None
    lines = meta.splitlines()
    assert lines[0] == "// ==UserScript=="
    assert lines[-1] == "// ==/UserScript=="
    assert meta.endswith("\n")
    assert "data:" not in meta
    assert "// @resource     css https://example.com/style.css" in lines
    assert "// @downloadURL  https://hub/1.user.js" in lines
    assert "// @updateURL    https://hub/1.meta.js" in lines
    assert len(lines) == len(GREASY_FORK.split("\n\n", maxsplit=1)[0].splitlines()) - 2
