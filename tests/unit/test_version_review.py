"""The review rule: which new versions wait for a moderator, and the setting that picks it."""

from __future__ import annotations

from typing import Any

import pytest

from scripthub.domain.require_policy import SEEDED_PATTERNS, RequireAllowlist
from scripthub.domain.userscript_metadata import parse_metadata
from scripthub.domain.version_review import (
    WIDENING_CLAUSES,
    ReviewPolicy,
    held_for_review,
    require_outside,
)
from scripthub.domain.widening import widened
from scripthub.entrypoints.settings import load_settings
from tests.unit.test_settings import PRODUCTION
from tests.userscripts import userscript

NOTHING: dict[str, list[str]] = {
    "grant": [],
    "connect": [],
    "match": [],
    "require": [],
    "antifeature": [],
}


def added(**entries: list[str]) -> dict[str, list[str]]:
    return {**NOTHING, **entries}


@pytest.mark.parametrize(
    "entries",
    [
        {"connect": ["*"]},
        {"connect": ["api.example.org"]},
        {"connect": ["self", "localhost"]},
        {"grant": ["GM_xmlhttpRequest"]},
        {"grant": ["GM.xmlHttpRequest"]},
        {"grant": ["GM_download"]},
        {"grant": ["GM_cookie"]},
        {"grant": ["unsafeWindow"]},
        {"grant": ["GM_getValue", "GM_cookie"]},
        {"antifeature": ["tracking"]},
    ],
)
def test_widening_holds_what_reaches_further(entries: dict[str, list[str]]) -> None:
    assert held_for_review(ReviewPolicy.WIDENING, added(**entries))
    assert held_for_review(ReviewPolicy.ALL, added(**entries))
    assert not held_for_review(ReviewPolicy.OFF, added(**entries))


@pytest.mark.parametrize(
    "entries",
    [
        {},
        {"connect": ["self"]},
        {"grant": ["GM_getValue", "GM_setValue", "GM.getValue", "GM_addStyle"]},
        {"match": ["https://other.example.org/*"]},
        {"require": ["https://cdn.jsdelivr.net/npm/lodash"]},
    ],
)
def test_widening_lets_the_rest_through(entries: dict[str, list[str]]) -> None:
    assert not held_for_review(ReviewPolicy.WIDENING, added(**entries))
    assert held_for_review(ReviewPolicy.ALL, added(**entries))


@pytest.mark.parametrize("policy", list(ReviewPolicy))
def test_a_first_version_is_never_held(policy: ReviewPolicy) -> None:
    assert not held_for_review(policy, None)


def test_a_widened_without_some_keys_asks_for_nothing_there() -> None:
    assert not held_for_review(ReviewPolicy.WIDENING, {})
    assert held_for_review(ReviewPolicy.WIDENING, {"grant": ["GM_cookie"]})


def test_clauses_can_be_added() -> None:
    def any_require(entries: Any) -> bool:
        return bool(entries.get("require"))

    with_require = (*WIDENING_CLAUSES, any_require)
    entries = added(require=["https://evil.example/x.js"])

    assert not held_for_review(ReviewPolicy.WIDENING, entries)
    assert held_for_review(ReviewPolicy.WIDENING, entries, with_require)


def test_the_rule_reads_widened_as_publishing_counts_it() -> None:
    before = parse_metadata(userscript("1.0", "connect api.example.com", "grant GM_getValue"))
    same_host = parse_metadata(userscript("1.1", "connect api.example.com", "grant GM_setValue"))
    new_host = parse_metadata(userscript("1.1", "connect api.example.com", "connect x.example"))

    kept = widened(before, same_host, first_version=False)
    reached = widened(before, new_host, first_version=False)

    assert not held_for_review(ReviewPolicy.WIDENING, kept)
    assert held_for_review(ReviewPolicy.WIDENING, reached)


def test_the_policy_is_widening_in_production_and_off_elsewhere() -> None:
    development = load_settings({"SCRIPTHUB_JWT_SECRET": "x" * 32}, env_file=None)
    production = load_settings(PRODUCTION, env_file=None)
    chosen = load_settings({**PRODUCTION, "SCRIPTHUB_REVIEW_POLICY": "all"}, env_file=None)

    assert development.version_review_policy is ReviewPolicy.OFF
    assert production.version_review_policy is ReviewPolicy.WIDENING
    assert chosen.version_review_policy is ReviewPolicy.ALL


def test_a_new_require_off_the_allow_list_is_held_under_widening() -> None:
    clauses = (*WIDENING_CLAUSES, require_outside(RequireAllowlist(SEEDED_PATTERNS)))
    pinned = {"require": ["https://evil.example/x.js#sha256=" + "a" * 64]}
    listed = {"require": ["https://cdn.jsdelivr.net/npm/x@1/x.js"]}

    assert held_for_review(ReviewPolicy.WIDENING, pinned, clauses)
    assert not held_for_review(ReviewPolicy.WIDENING, listed, clauses)
    assert not held_for_review(ReviewPolicy.WIDENING, pinned)  # without the list's clause
