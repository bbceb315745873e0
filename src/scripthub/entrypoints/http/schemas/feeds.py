"""Atom 1.0 (RFC 4287) feeds: a script's published versions, and the catalogue's new scripts.

Everything in them but our own URLs and timestamps is written by authors, so every text goes
through `xml_text`: ElementTree escapes what XML's syntax needs (`<`, `&`, `>` and quotes), and
`xml_text` replaces what XML 1.0 cannot carry at all (most control characters) and bounds the
length. Entry and feed ids are `urn:uuid:` URIs of ids that never change (not of our public URL,
which may).
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scripthub.application.scripts.read_new_scripts_feed import NewScriptsFeed
    from scripthub.application.scripts.read_version_feed import VersionFeed
    from scripthub.domain.scripts import Script, ScriptVersion

ATOM = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml"
JSON_MEDIA_TYPE = "application/json"
MAX_TITLE_LENGTH: Final = 300
MAX_CONTENT_LENGTH: Final = 5000
"""Characters of a changelog or description in an entry (both are at most this long when
written; older or imported text is cut, ending in `…`)."""
NEW_SCRIPTS_FEED_ID: Final = "urn:uuid:17dd00ae-1ddf-5c1c-beb0-81dccb2c7082"
"""The id of the feed of new scripts (a UUID 5 of a name of ours): never changes."""
_VERSIONS_FEED = "versions.atom"
"""Names a script's versions feed in its id: the UUID 5 of this in the script's id."""
NO_ENTRIES_UPDATED: Final = datetime(1970, 1, 1, tzinfo=UTC)
"""A feed without entries was last updated then (a fixed date, so that it keeps its tag)."""
UNKNOWN_AUTHOR = "unknown"

# XML 1.0's Char production, less the C1 controls and DEL it allows but discourages
# (section 2.2): feed readers show them as garbage or refuse the feed. Surrogates cannot be in
# stored text (UTF-8 has none), but a str may hold them.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str, max_length: int) -> str:
    """`value` as XML 1.0 can carry it: every character it may not (C0 controls but tab, line
    feed and carriage return; DEL and C1 controls; surrogates; U+FFFE and U+FFFF) replaced by
    U+FFFD, line ends made line feeds (as an XML parser reads them back anyway), cut to
    `max_length` characters (the last then `…`)."""
    cleaned = _NOT_XML_CHAR.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(cleaned) > max_length:
        cleaned = cleaned[: max_length - 1] + "…"
    return cleaned


def atom_date(moment: datetime) -> str:
    """An RFC 3339 date-time in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def versions_feed_url(public_url: str, script_id: uuid.UUID) -> str:
    return f"{public_url}/api/scripts/{script_id}/{_VERSIONS_FEED}"


def new_scripts_feed_url(public_url: str) -> str:
    return f"{public_url}/api/scripts.atom"


def _script_url(public_url: str, script: Script) -> str:
    return f"{public_url}/api/scripts/{script.id}"


def _raw_url(public_url: str, script: Script, version: str) -> str:
    return f"{_script_url(public_url, script)}/versions/{quote(version, safe='')}/raw"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def _feed(feed_id: str, title: str, updated: datetime, self_url: str, alternate: str) -> ET.Element:
    # The namespace is declared as an attribute: ElementTree's own namespace handling would
    # prefix every element (or refuse unprefixed attributes with a default namespace).
    feed = ET.Element("feed", {"xmlns": ATOM})
    _add(feed, "id", feed_id)
    _add(feed, "title", xml_text(title, MAX_TITLE_LENGTH), type="text")
    _add(feed, "updated", atom_date(updated))
    _add(feed, "link", rel="self", type=ATOM_MEDIA_TYPE, href=self_url)
    _add(feed, "link", rel="alternate", type=JSON_MEDIA_TYPE, href=alternate)
    _add(feed, "generator", "ScriptHub")
    return feed


def _author(parent: ET.Element, username: str | None) -> None:
    _add(_add(parent, "author"), "name", xml_text(username or UNKNOWN_AUTHOR, MAX_TITLE_LENGTH))


def _serialized(feed: ET.Element) -> bytes:
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def version_feed_updated(feed: VersionFeed) -> datetime:
    """When the feed was last updated: its newest entry's time."""
    return feed.versions[0].created_at if feed.versions else NO_ENTRIES_UPDATED


def version_feed_atom(feed: VersionFeed) -> bytes:
    """The versions feed as an Atom document (UTF-8)."""
    script, public_url = feed.script, feed.public_url
    root = _feed(
        f"urn:uuid:{uuid.uuid5(script.id, _VERSIONS_FEED)}",
        f"{script.name}: versions",
        version_feed_updated(feed),
        versions_feed_url(public_url, script.id),
        _script_url(public_url, script),
    )
    _author(root, script.owner_username)
    for version in feed.versions:
        _version_entry(root, public_url, script, version)
    return _serialized(root)


def _version_entry(
    root: ET.Element, public_url: str, script: Script, version: ScriptVersion
) -> None:
    entry = _add(root, "entry")
    _add(entry, "id", f"urn:uuid:{version.id}")
    _add(
        entry, "title", xml_text(f"{script.name} {version.version}", MAX_TITLE_LENGTH), type="text"
    )
    _add(entry, "published", atom_date(version.created_at))
    _add(entry, "updated", atom_date(version.created_at))
    _author(entry, script.owner_username)
    raw = _raw_url(public_url, script, version.version)
    _add(entry, "link", rel="alternate", type="text/plain", href=raw)
    _add(entry, "link", rel="related", type=JSON_MEDIA_TYPE, href=_script_url(public_url, script))
    if version.changelog:
        _add(entry, "content", xml_text(version.changelog, MAX_CONTENT_LENGTH), type="text")


def new_scripts_feed_updated(feed: NewScriptsFeed) -> datetime:
    """When the feed was last updated: its most recently updated entry's time."""
    return max((script.updated_at for script in feed.scripts), default=NO_ENTRIES_UPDATED)


def new_scripts_feed_atom(feed: NewScriptsFeed) -> bytes:
    """The feed of new scripts as an Atom document (UTF-8)."""
    public_url = feed.public_url
    root = _feed(
        NEW_SCRIPTS_FEED_ID,
        "ScriptHub: new scripts",
        new_scripts_feed_updated(feed),
        new_scripts_feed_url(public_url),
        f"{public_url}/api/scripts?sort=newest",
    )
    for script in feed.scripts:
        _script_entry(root, public_url, script)
    return _serialized(root)


def _script_entry(root: ET.Element, public_url: str, script: Script) -> None:
    entry = _add(root, "entry")
    _add(entry, "id", f"urn:uuid:{script.id}")
    _add(entry, "title", xml_text(script.name, MAX_TITLE_LENGTH), type="text")
    _add(entry, "published", atom_date(script.created_at))
    _add(entry, "updated", atom_date(script.updated_at))
    _author(entry, script.owner_username)
    _add(entry, "link", rel="alternate", type=JSON_MEDIA_TYPE, href=_script_url(public_url, script))
    if script.latest_version is not None:
        raw = _raw_url(public_url, script, script.latest_version.version)
        _add(entry, "link", rel="related", type="text/plain", href=raw)
    _categories(entry, script.tags)
    if script.description:
        _add(entry, "summary", xml_text(script.description, MAX_CONTENT_LENGTH), type="text")


def _categories(entry: ET.Element, tags: Iterable[str]) -> None:
    for tag in tags:
        _add(entry, "category", term=xml_text(tag, MAX_TITLE_LENGTH))
