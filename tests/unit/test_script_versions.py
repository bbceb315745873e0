"""Version ordering of both managers, the refusal message, and `widened`."""

from __future__ import annotations

import functools
import itertools

import pytest

from scripthub.domain.userscript_metadata import parse_metadata
from scripthub.domain.version_ordering import (
    compare_tampermonkey,
    compare_violentmonkey,
    update_refusal,
)
from scripthub.domain.widening import widened

# tampermonkey.net/documentation.php, `@version`: lowest first, `==` within a row.
TAMPERMONKEY_DOCUMENTED_ORDER = [
    ["Alpha-v1"],
    ["Alpha-v2"],
    ["Alpha-v10"],
    ["Beta"],
    ["0.5pre3"],
    ["0.5prelimiary"],
    ["0.6pre4"],
    ["0.6pre5"],
    ["0.7pre4"],
    ["0.7pre10"],
    ["1.-1"],
    ["1", "1.", "1.0", "1.0.0"],
    ["1.1a"],
    ["1.1aa"],
    ["1.1ab"],
    ["1.1b"],
    ["1.1c"],
    ["1.1.-1"],
    ["1.1", "1.1.0", "1.1.00"],
    ["1.1.1.1.1"],
    ["1.1.1.1.2"],
    ["1.1.1.1"],
    ["1.10.0-alpha"],
    ["1.10", "1.10.0"],
    ["1.11.0-0.3.7"],
    ["1.11.0-alpha"],
    ["1.11.0-alpha.1"],
    ["1.11.0-alpha+1"],
    ["1.12+1", "1.12+1.0"],
    ["1.12+1.1", "1.12+1.1.0"],
    ["1.12+2"],
    ["1.12+2.1"],
    ["1.12+3"],
    ["1.12+4"],
    ["1.12"],
    ["2.0"],
    ["16.4", "16.04"],
    ["2023-08-17.alpha"],
    ["2023-08-17"],
    ["2023-08-17_14-04", "2023-08-17_14-04.0"],
    # The list puts `2023-08-17+alpha` here; see the known gap in version_ordering.
    ["2023-09-11_14-0"],
]
_RANKED = [
    (rank, version) for rank, row in enumerate(TAMPERMONKEY_DOCUMENTED_ORDER) for version in row
]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (a, b, (rank_a > rank_b) - (rank_a < rank_b))
        for (rank_a, a), (rank_b, b) in itertools.product(_RANKED, repeat=2)
    ],
)
def test_tampermonkey_follows_its_documented_order(a: str, b: str, expected: int) -> None:
    assert compare_tampermonkey(a, b) == expected


def test_tampermonkey_ranks_a_plus_suffix_after_a_date_below_the_date_a_known_gap() -> None:
    assert compare_tampermonkey("2023-08-17+alpha", "2023-08-17") == -1


# violentmonkey/violentmonkey test/common/index.test.js, `compareVersion`.
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.2.3", "1.2.3", 0),
        ("1.2.3", "1.2.0", 1),
        ("1.2.3", "1.2.4", -1),
        ("1.2.0", "1.2", 0),
        ("1.2.1", "1.2", 1),
        ("1.1.9", "1.2", -1),
        ("1.10", "1.9", 1),
        # parseInt reads leading digits only: letter suffixes are invisible (API.md's example)
        ("1.1a", "1.1b", 0),
        ("1.1b", "1.1a", 0),
        ("v2", "1", -1),
        ("1.0-", "1.0", 0),
        ("1.0-rc 1", "1.0-rc", 0),  # the pre-release regexp is not anchored at the end
        ("99999999999999999999", "99999999999999999998", 0),  # doubles, as in JavaScript
    ],
)
def test_violentmonkey_compare_version(a: str, b: str, expected: int) -> None:
    assert compare_violentmonkey(a, b) == expected


def test_violentmonkey_sorts_its_own_test_list() -> None:
    shuffled = [
        *("1.2.3", "1.2.3-alpha", "1.0.0-x.7.z.92", "1.0.0-alpha.1", "1.0.0-alpha", "4.11.6"),
        *("4.2.0", "1.5.19", "1.5.5", "4.1.3", "2.3.1", "10.5.5", "11.3.0", "1.0.0"),
        *("1.0.0-rc.1", "1.0.0-beta.11", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-alpha.beta+build"),
        *("1.0.0-alpha.1", "1.0.0-alpha"),
    ]

    assert sorted(shuffled, key=functools.cmp_to_key(compare_violentmonkey)) == [
        *("1.0.0-alpha", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.1"),
        *("1.0.0-alpha.beta+build", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11"),
        *("1.0.0-rc.1", "1.0.0-x.7.z.92", "1.0.0", "1.2.3-alpha", "1.2.3", "1.5.5", "1.5.19"),
        *("2.3.1", "4.1.3", "4.2.0", "4.11.6", "10.5.5", "11.3.0"),
    ]


@pytest.mark.parametrize(
    ("latest", "new", "refusal"),
    [
        ("1.0", "1.0.1", None),
        ("1.9", "1.10", None),
        ("2.0-beta", "2.0", None),
        ("1.1a", "1.1b", "Violentmonkey would not update from 1.1a to 1.1b"),
        ("1.1.1.1", "1.1.1.1.2", "Tampermonkey would not update from 1.1.1.1 to 1.1.1.1.2"),
        ("1.1", "1.1a", "Tampermonkey and Violentmonkey would not update from 1.1 to 1.1a"),
        ("1.2", "1.1", "Tampermonkey and Violentmonkey would not update from 1.2 to 1.1"),
        ("1.0", "1.0.0", "Tampermonkey and Violentmonkey would not update from 1.0 to 1.0.0"),
    ],
)
def test_update_refusal_names_the_managers_that_would_not_update(
    latest: str, new: str, refusal: str | None
) -> None:
    assert update_refusal(latest, new) == refusal


PREVIOUS = """\
// ==UserScript==
// @name     Tweaks
// @version  1.0
// @match    https://example.com/*
// @grant    GM_getValue
// @connect  api.example.com
// @require  https://cdn.example.com/lib@1.js
// ==/UserScript==
"""

CURRENT = """\
// ==UserScript==
// @name     Tweaks
// @version  1.1
// @match    https://example.com/*
// @match    https://example.org/*
// @include  *://*/*
// @match    https://example.org/*
// @grant    GM_getValue
// @grant    GM_xmlhttpRequest
// @grant    none
// @connect  api.example.com
// @connect  *
// @require  https://cdn.example.com/lib@2.js
// @antifeature ads Banner on every page
// @antifeature:fr ads Bannière
// @antifeature:de tracking Zählt Besuche
// @antifeature  cryptojacking unknown types are not reported
// ==/UserScript==
"""


def test_widened_lists_what_the_new_version_adds_in_order_without_repeats() -> None:
    assert widened(parse_metadata(PREVIOUS), parse_metadata(CURRENT), first_version=False) == {
        "grant": ["GM_xmlhttpRequest"],
        "connect": ["*"],
        "match": ["https://example.org/*", "*://*/*"],
        "require": ["https://cdn.example.com/lib@2.js"],
        "antifeature": ["ads", "tracking"],
    }


def test_widened_is_null_on_a_first_version() -> None:
    assert widened(None, parse_metadata(CURRENT), first_version=True) is None


def test_after_a_version_without_a_block_everything_is_new() -> None:
    assert widened(None, parse_metadata(PREVIOUS), first_version=False) == {
        "grant": ["GM_getValue"],
        "connect": ["api.example.com"],
        "match": ["https://example.com/*"],
        "require": ["https://cdn.example.com/lib@1.js"],
        "antifeature": [],
    }


def test_a_version_that_narrows_or_drops_its_block_widens_nothing() -> None:
    empty = {"grant": [], "connect": [], "match": [], "require": [], "antifeature": []}

    assert widened(parse_metadata(CURRENT), parse_metadata(PREVIOUS), first_version=False) == {
        **empty,
        "require": ["https://cdn.example.com/lib@1.js"],
    }
    assert widened(parse_metadata(CURRENT), None, first_version=False) == empty
