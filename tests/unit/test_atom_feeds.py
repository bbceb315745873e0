"""Atom documents from hostile author text: always well-formed XML 1.0 a feed reader reads back
as the text it was (less what XML 1.0 cannot carry)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripthub.application.scripts.read_new_scripts_feed import NewScriptsFeed
from scripthub.application.scripts.read_version_feed import VersionFeed
from scripthub.domain.scripts import Language, Script, ScriptVersion, VersionSummary
from scripthub.entrypoints.http.schemas.feeds import (
    NEW_SCRIPTS_FEED_ID,
    NO_ENTRIES_UPDATED,
    atom_date,
    new_scripts_feed_atom,
    version_feed_atom,
    version_feed_updated,
    xml_text,
)

ATOM = "{http://www.w3.org/2005/Atom}"
WHEN = datetime(2026, 12, 7, 12, 30, 15, 123456, tzinfo=UTC)
SCRIPT_ID = uuid.UUID("8c3f2c1e-6f43-4d52-9a4b-1f0e4a3d2b10")


def _script(name: str = "Dark Mode", **fields: object) -> Script:
    defaults: dict[str, object] = {
        "owner_id": uuid.uuid4(),
        "slug": "dark-mode",
        "language": Language.JAVASCRIPT,
        "created_at": WHEN,
        "updated_at": WHEN,
        "owner_username": "alice",
    }
    return Script(id=SCRIPT_ID, name=name, **{**defaults, **fields})  # type: ignore[arg-type]


def _version(version: str, changelog: str | None, at: datetime = WHEN) -> ScriptVersion:
    return ScriptVersion(
        id=uuid.uuid4(),
        script_id=SCRIPT_ID,
        version=version,
        size=1,
        sha256="0" * 64,
        created_at=at,
        changelog=changelog,
    )


@pytest.mark.parametrize(
    ("raw", "carried"),
    [
        ("plain <b> & ]]>", "plain <b> & ]]>"),
        ("nul\x00 esc\x1b bel\x07", "nul\ufffd esc\ufffd bel\ufffd"),
        ("tab\t lf\n cr\r crlf\r\n", "tab\t lf\n cr\n crlf\n"),
        ("del\x7f c1\x85\x9f nbsp\xa0", "del\ufffd c1\ufffd\ufffd nbsp\xa0"),
        ("non-chars \ufffe\uffff", "non-chars \ufffd\ufffd"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("astral \U0001f600 private \ue000", "astral \U0001f600 private \ue000"),
    ],
)
def test_xml_text_replaces_what_xml_cannot_carry(raw: str, carried: str) -> None:
    assert xml_text(raw, 100) == carried


def test_xml_text_cuts_long_text() -> None:
    assert xml_text("x" * 11, 10) == "x" * 9 + "…"
    assert xml_text("x" * 10, 10) == "x" * 10


def test_atom_dates_are_utc_to_the_second() -> None:
    assert atom_date(WHEN) == "2026-12-07T12:30:15Z"
    assert atom_date(WHEN.astimezone(tz=None)) == "2026-12-07T12:30:15Z"


def test_a_feed_without_versions_is_valid_and_dated_by_a_fixed_date() -> None:
    feed = VersionFeed("https://scripthub.example", _script(), [])

    body = version_feed_atom(feed)

    assert version_feed_updated(feed) == NO_ENTRIES_UPDATED
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    assert parsed.feed.updated == "1970-01-01T00:00:00Z"


def test_the_feed_ids_never_depend_on_the_public_url_or_the_name() -> None:
    versions = [_version("1.0", None)]
    one = ET.fromstring(version_feed_atom(VersionFeed("https://a.example", _script(), versions)))  # noqa: S314
    other = ET.fromstring(  # noqa: S314
        version_feed_atom(VersionFeed("https://b.example", _script("Renamed"), versions))
    )

    assert one.findtext(f"{ATOM}id") == other.findtext(f"{ATOM}id")
    assert one.findtext(f"{ATOM}id") == f"urn:uuid:{uuid.uuid5(SCRIPT_ID, 'versions.atom')}"
    assert one.findtext(f"{ATOM}entry/{ATOM}id") == f"urn:uuid:{versions[0].id}"


def test_version_strings_are_escaped_in_links() -> None:
    feed = VersionFeed("https://h.example", _script(), [_version("1.0+b/../x y", None)])

    parsed = feedparser.parse(version_feed_atom(feed))

    raw = parsed.entries[0].links[0].href
    assert raw == f"https://h.example/api/scripts/{SCRIPT_ID}/versions/1.0%2Bb%2F..%2Fx%20y/raw"


def test_the_new_scripts_feed_dates_by_its_latest_update() -> None:
    later = WHEN + timedelta(days=2)
    scripts = [
        _script(updated_at=later, latest_version=VersionSummary("2.0", later, "0" * 64)),
        _script(owner_username=None, tags=["a&b", "<x>"]),
    ]

    parsed = feedparser.parse(new_scripts_feed_atom(NewScriptsFeed("https://h.example", scripts)))

    assert parsed.bozo == 0
    assert parsed.feed.id == NEW_SCRIPTS_FEED_ID
    assert parsed.feed.updated == atom_date(later)
    assert parsed.entries[1].author == "unknown"
    assert [tag.term for tag in parsed.entries[1].tags] == ["a&b", "<x>"]
    assert "related" not in {link.rel for link in parsed.entries[1].links}


@settings(max_examples=150, deadline=None)
@given(
    name=st.text(min_size=1, max_size=120),
    changelog=st.text(
        st.sampled_from("a<&>]\r\n\t\x00\x1b\x85\ud800\ufffe\U0001f600") | st.characters(),
        max_size=400,
    ),
    version=st.text(min_size=1, max_size=30),
)
def test_any_author_text_makes_a_well_formed_feed(name: str, changelog: str, version: str) -> None:
    feed = VersionFeed("https://h.example", _script(name), [_version(version, changelog)])

    body = version_feed_atom(feed)

    root = ET.fromstring(body)  # noqa: S314 - our own output
    assert root.findtext(f"{ATOM}entry/{ATOM}title") == xml_text(f"{name} {version}", 300)
    if changelog:
        assert root.findtext(f"{ATOM}entry/{ATOM}content") == xml_text(changelog, 5000)
    assert feedparser.parse(body).bozo == 0
