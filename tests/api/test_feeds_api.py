"""GET /api/scripts/{id}/versions.atom and /api/scripts.atom: Atom feeds feed readers read
(checked with feedparser and against RFC 4287's structure), revalidated with 304s, showing
only what is published and public."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from sqlalchemy import event

from scripthub.application.moderation.takedowns import take_down
from scripthub.domain.scripts import ScriptVersion
from scripthub.domain.sites import NO_SITES
from scripthub.domain.takedowns import Takedown, TakedownMode
from tests.api.client import Api, assert_problem
from tests.api.script_calls import post_version, publish
from tests.api.token_calls import PUBLISH, READ, make_token
from tests.userscripts import userscript

ATOM = "{http://www.w3.org/2005/Atom}"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
PUBLIC_URL = "http://127.0.0.1:8000"
HOSTILE = "]]> <script>alert('x')</script> & \"quoted\" <![CDATA[ --> &amp;"


def _feed_path(script: dict[str, Any]) -> str:
    return f"/api/scripts/{script['id']}/versions.atom"


def parsed(body: bytes) -> Any:
    """The feed as a feed reader reads it; a well-formed, valid one only."""
    feed = feedparser.parse(body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def atom_structure(body: bytes) -> ET.Element:
    """The document, checked against what RFC 4287 requires of a feed and its entries."""
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(body)  # noqa: S314 - our own output
    assert root.tag == f"{ATOM}feed"
    for element in (root, *root.iter(f"{ATOM}entry")):
        for required in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{required}")) == 1, (element.tag, required)
        datetime.fromisoformat(element.findtext(f"{ATOM}updated", ""))
        ids = element.findtext(f"{ATOM}id", "")
        assert ids.startswith("urn:uuid:")
        uuid.UUID(ids.removeprefix("urn:uuid:"))
    selves = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(selves) == 1
    has_feed_author = root.find(f"{ATOM}author") is not None
    for entry in root.iter(f"{ATOM}entry"):
        assert has_feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        alternates = [
            link for link in entry.findall(f"{ATOM}link") if link.get("rel") in {None, "alternate"}
        ]
        assert len(alternates) == 1
    return root


def _links(entry: Any) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in entry.links}


async def _versions(api: Api, count: int, **fields: Any) -> tuple[str, dict[str, Any]]:
    """A script with versions 1.0 to 1.{count - 1}, each with a changelog naming it."""
    registered = await api.register()
    token = registered["access_token"]
    script = await publish(api, token, code=userscript("1.0"), changelog="first", **fields)
    for minor in range(1, count):
        version = f"1.{minor}"
        response = await post_version(
            api, token, script["id"], code=userscript(version), changelog=f"changes in {version}"
        )
        assert response.status_code == 201, response.text
    return token, script


async def test_a_scripts_versions_feed_is_valid_atom_newest_first(api: Api) -> None:
    _, script = await _versions(api, 3)
    username = script["owner"]["username"]

    response = await api.get(_feed_path(script))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ATOM_TYPE
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["vary"] == "Origin"
    atom_structure(response.content)
    feed = parsed(response.content)
    assert feed.feed.title == "Dark Mode: versions"
    assert feed.feed.id.startswith("urn:uuid:")
    assert _links(feed.feed) == {
        "self": f"{PUBLIC_URL}/api/scripts/{script['id']}/versions.atom",
        "alternate": f"{PUBLIC_URL}/api/scripts/{script['id']}",
    }
    assert [entry.title for entry in feed.entries] == [
        "Dark Mode 1.2",
        "Dark Mode 1.1",
        "Dark Mode 1.0",
    ]
    newest = feed.entries[0]
    assert newest.content[0].value == "changes in 1.2"
    assert newest.content[0].type == "text/plain"
    assert newest.author == username
    assert _links(newest) == {
        "alternate": f"{PUBLIC_URL}/api/scripts/{script['id']}/versions/1.2/raw",
        "related": f"{PUBLIC_URL}/api/scripts/{script['id']}",
    }
    assert newest.published_parsed == newest.updated_parsed
    assert feed.feed.updated == newest.updated
    versions = (await api.get(f"/api/scripts/{script['id']}/versions")).json()["items"]
    assert [entry.id for entry in feed.entries] == [f"urn:uuid:{v['id']}" for v in versions]
    raw = await api.get(_links(newest)["alternate"].removeprefix(PUBLIC_URL))
    assert raw.status_code == 200
    assert "@version 1.2" in raw.text
    by_slug = await api.get(f"/api/scripts/{script['slug']}/versions.atom")
    assert by_slug.content == response.content


async def test_entry_ids_never_change_as_versions_come(api: Api) -> None:
    token, script = await _versions(api, 2)
    before = parsed((await api.get(_feed_path(script))).content)

    response = await post_version(api, token, script["id"], code=userscript("2.0"))
    assert response.status_code == 201
    after = parsed((await api.get(_feed_path(script))).content)

    assert after.feed.id == before.feed.id
    assert [entry.id for entry in after.entries[1:]] == [entry.id for entry in before.entries]
    assert "content" not in after.entries[0]  # no changelog: no content


async def test_the_feed_holds_the_50_newest_versions(api: Api) -> None:
    _, script = await _versions(api, 52)

    feed = parsed((await api.get(_feed_path(script))).content)

    assert len(feed.entries) == 50
    assert (feed.entries[0].title, feed.entries[-1].title) == ("Dark Mode 1.51", "Dark Mode 1.2")


async def test_a_feed_is_revalidated_by_tag_and_by_date(api: Api) -> None:
    token, script = await _versions(api, 2)
    path = _feed_path(script)
    first = await api.get(path)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert not etag.startswith("W/")

    by_tag = await api.send("GET", path, headers={"If-None-Match": etag})
    by_date = await api.send("GET", path, headers={"If-Modified-Since": last_modified})
    head = await api.send("HEAD", path)
    assert (by_tag.status_code, by_tag.content) == (304, b"")
    assert by_tag.headers["etag"] == etag
    assert by_tag.headers["cache-control"] == "public, max-age=60"
    assert (by_date.status_code, by_date.content) == (304, b"")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == etag
    assert head.headers["content-length"] == str(len(first.content))
    assert head.headers["content-type"] == ATOM_TYPE

    response = await post_version(api, token, script["id"], code=userscript("1.5"))
    assert response.status_code == 201
    changed = await api.send("GET", path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    stale = await api.send(
        "GET", path, headers={"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"}
    )
    assert stale.status_code == 200


async def test_an_edit_of_the_script_changes_the_feeds_tag(api: Api) -> None:
    token, script = await _versions(api, 1)
    etag = (await api.get(_feed_path(script))).headers["etag"]

    edited = await api.send("PATCH", f"/api/scripts/{script['id']}", token, json={"name": "Light"})
    assert edited.status_code == 200, edited.text

    response = await api.send("GET", _feed_path(script), headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert parsed(response.content).feed.title == "Light: versions"


async def test_hostile_changelogs_and_names_are_text(api: Api) -> None:
    token = (await api.register())["access_token"]
    script = await publish(
        api, token, name=f"Evil {HOSTILE}", code=userscript("1.0"), changelog=HOSTILE
    )

    body = (await api.get(_feed_path(script))).content

    atom_structure(body)
    feed = parsed(body)
    assert b"<script>" not in body
    assert feed.feed.title == f"Evil {HOSTILE}: versions"
    assert feed.entries[0].content[0].value == HOSTILE
    assert feed.entries[0].title == f"Evil {HOSTILE} 1.0"


def _stored_version(api: Api, script: dict[str, Any], version: str, changelog: str) -> None:
    """A version with a changelog the API would refuse (older data, another path in): stored
    straight through the repository."""

    async def store() -> None:
        async with api.container.adapters.unit_of_work() as uow:
            live = await uow.scripts.get(uuid.UUID(script["id"]))
            assert live is not None
            assert live.latest_version is not None
            code = userscript(version)
            stored = ScriptVersion(
                id=uuid.uuid4(),
                script_id=live.id,
                version=version,
                size=len(code),
                sha256=uuid.uuid4().hex * 2,
                created_at=datetime.now(UTC),
                changelog=changelog,
            )
            replacing = live.latest_version.version
            added = await uow.scripts.add_version(
                stored, code, antifeatures=[], sites=NO_SITES, replacing=replacing
            )
            assert added
            await uow.commit()

    api.client.blocking_portal.call(store)


async def test_control_characters_in_stored_changelogs_are_replaced(api: Api) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token, code=userscript("1.0"))
    _stored_version(api, script, "1.1", "red \x1b[31m, tab\tvt\x0b del\x7f c1\x85 \ufffe end")

    body = (await api.get(_feed_path(script))).content

    atom_structure(body)
    feed = parsed(body)
    assert feed.entries[0].content[0].value == (
        "red \ufffd[31m, tab\tvt\ufffd del\ufffd c1\ufffd \ufffd end"
    )


async def test_a_huge_changelog_is_cut(api: Api) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token, code=userscript("1.0"))
    _stored_version(api, script, "1.1", "x" * 100_000)

    feed = parsed((await api.get(_feed_path(script))).content)

    assert feed.entries[0].content[0].value == "x" * 4999 + "…"


async def test_a_private_scripts_feed_is_its_owners(api: Api) -> None:
    token, script = await _versions(api, 2, visibility="private")

    assert_problem(await api.get(_feed_path(script)), 404, "not_found")
    stranger = (await api.register())["access_token"]
    assert_problem(await api.get(_feed_path(script), stranger), 404, "not_found")
    own = await api.get(_feed_path(script), token)
    assert own.status_code == 200
    assert own.headers["cache-control"] == "private, max-age=60"
    assert len(parsed(own.content).entries) == 2


async def test_a_read_token_reads_its_private_scripts_feed(api: Api) -> None:
    session = (await api.verified_user())["access_token"]
    script = await publish(api, session, code=userscript("1.0"), visibility="private")
    reader = (await make_token(api, session, scopes=READ))["secret"]
    publisher = (await make_token(api, session, scopes=PUBLISH))["secret"]

    assert (await api.get(_feed_path(script), reader)).status_code == 200
    assert_problem(await api.get(_feed_path(script), publisher), 403, "token_scope")


@pytest.mark.parametrize("decision", [None, "reject"])
async def test_held_and_rejected_versions_are_in_nobodys_feed(
    make_api: Callable[..., Awaitable[Api]], decision: str | None
) -> None:
    api = await make_api(SCRIPTHUB_REVIEW_POLICY="all")
    token = (await api.register())["access_token"]
    script = await publish(api, token, code=userscript("1.0"))
    held = await post_version(api, token, script["id"], code=userscript("1.1"), changelog="held")
    assert held.status_code == 202, held.text
    moderator = (await api.role_holder("moderator"))["access_token"]
    if decision is not None:
        review = f"/api/scripts/{script['id']}/versions/1.1/review"
        reviewed = await api.send("POST", review, moderator, json={"decision": decision})
        assert reviewed.status_code == 200, reviewed.text

    for reader in (None, token, moderator):
        feed = parsed((await api.get(_feed_path(script), reader)).content)
        assert [entry.title for entry in feed.entries] == ["Dark Mode 1.0"], reader


async def test_an_approved_version_joins_the_feed(make_api: Callable[..., Awaitable[Api]]) -> None:
    api = await make_api(SCRIPTHUB_REVIEW_POLICY="all")
    token = (await api.register())["access_token"]
    script = await publish(api, token, code=userscript("1.0"))
    held = await post_version(api, token, script["id"], code=userscript("1.1"))
    assert held.status_code == 202, held.text
    moderator = (await api.role_holder("moderator"))["access_token"]
    review = f"/api/scripts/{script['id']}/versions/1.1/review"
    assert (await api.send("POST", review, moderator, json={"decision": "approve"})).is_success

    feed = parsed((await api.get(_feed_path(script))).content)

    assert [entry.title for entry in feed.entries] == ["Dark Mode 1.1", "Dark Mode 1.0"]


async def test_a_deleted_scripts_feed_is_404_as_its_versions_raw(api: Api) -> None:
    token, script = await _versions(api, 1)
    deleted = await api.send("DELETE", f"/api/scripts/{script['id']}", token)
    assert deleted.status_code == 204

    assert_problem(await api.get(_feed_path(script)), 404, "not_found")
    raw = await api.get(f"/api/scripts/{script['id']}/versions/1.0/raw")
    assert raw.status_code == 404


@pytest.mark.parametrize("mode", list(TakedownMode))
async def test_a_taken_down_scripts_feed_is_gone_as_its_versions_raw(
    api: Api, mode: TakedownMode
) -> None:
    _, script = await _versions(api, 1)
    other = await publish(api, (await api.register())["access_token"], code=userscript("1.0"))
    redirect_to = uuid.UUID(other["id"]) if mode is TakedownMode.REDIRECT else None

    async def run() -> None:
        async with api.container.adapters.unit_of_work() as uow:
            live = await uow.scripts.get(uuid.UUID(script["id"]))
            assert live is not None
            await take_down(uow, live, Takedown(mode, redirect_to), datetime.now(UTC))
            await uow.commit()

    api.client.blocking_portal.call(run)

    raw = await api.get(f"/api/scripts/{script['id']}/versions/1.0/raw")
    assert_problem(raw, 410, "gone")
    assert_problem(await api.get(_feed_path(script)), 410, "gone")


async def test_an_unknown_script_has_no_feed(api: Api) -> None:
    assert_problem(await api.get(f"/api/scripts/{uuid.uuid4()}/versions.atom"), 404, "not_found")
    assert_problem(await api.get("/api/scripts/no-such-script/versions.atom"), 404, "not_found")


async def test_the_new_scripts_feed_lists_public_listed_scripts_newest_first(api: Api) -> None:
    registered = await api.register()
    token, username = registered["access_token"], registered["user"]["username"]
    first = await publish(api, token, name="First", code=userscript("1.0"), tags=["dark"])
    await publish(api, token, name="Unlisted", code=userscript("1.0"), visibility="unlisted")
    await publish(api, token, name="Private", code=userscript("1.0"), visibility="private")
    second = await publish(
        api, token, name=f"Second {HOSTILE}", description=HOSTILE, code=userscript("2.0")
    )

    response = await api.get("/api/scripts.atom")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ATOM_TYPE
    assert response.headers["cache-control"] == "public, max-age=60"
    atom_structure(response.content)
    feed = parsed(response.content)
    assert feed.feed.title == "ScriptHub: new scripts"
    assert _links(feed.feed)["self"] == f"{PUBLIC_URL}/api/scripts.atom"
    assert [entry.title for entry in feed.entries] == [f"Second {HOSTILE}", "First"]
    newest, oldest = feed.entries
    assert newest.id == f"urn:uuid:{second['id']}"
    assert newest.author == username
    assert newest.summary == HOSTILE
    assert _links(newest) == {
        "alternate": f"{PUBLIC_URL}/api/scripts/{second['id']}",
        "related": f"{PUBLIC_URL}/api/scripts/{second['id']}/versions/2.0/raw",
    }
    assert [tag.term for tag in oldest.tags] == ["dark"]
    assert oldest.id == f"urn:uuid:{first['id']}"
    listed = (await api.get("/api/scripts", params={"sort": "newest"})).json()["items"]
    assert [entry.id for entry in feed.entries] == [f"urn:uuid:{s['id']}" for s in listed]


async def test_the_new_scripts_feed_is_revalidated(api: Api) -> None:
    token = (await api.register())["access_token"]
    await publish(api, token, code=userscript("1.0"))
    first = await api.get("/api/scripts.atom")
    etag = first.headers["etag"]

    again = await api.send("GET", "/api/scripts.atom", headers={"If-None-Match": etag})
    by_date = await api.send(
        "GET", "/api/scripts.atom", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    head = await api.send("HEAD", "/api/scripts.atom")
    assert (again.status_code, again.content) == (304, b"")
    assert (by_date.status_code, by_date.content) == (304, b"")
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", etag)

    await publish(api, token, name="Another", code=userscript("1.0"))
    changed = await api.send("GET", "/api/scripts.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert len(parsed(changed.content).entries) == 2


async def test_an_empty_catalogue_has_a_valid_feed(api: Api) -> None:
    response = await api.get("/api/scripts.atom")

    assert response.status_code == 200
    atom_structure(response.content)
    assert parsed(response.content).entries == []


@contextmanager
def counted_statements(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = api.container.adapters.engine().sync_engine

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_feeds_queries_do_not_grow_with_its_entries(api: Api) -> None:
    _, small = await _versions(api, 1)
    _, large = await _versions(api, 6)
    costs = []
    for path in (_feed_path(small), _feed_path(large)):
        with counted_statements(api) as statements:
            assert (await api.get(path)).status_code == 200
        costs.append(len(statements))
    with counted_statements(api) as statements:
        assert len(parsed((await api.get("/api/scripts.atom")).content).entries) == 2
    few = len(statements)
    token = (await api.register())["access_token"]
    for name in ("Three", "Four", "Five", "Six"):
        await publish(api, token, name=name, code=userscript("1.0"))
    with counted_statements(api) as statements:
        assert len(parsed((await api.get("/api/scripts.atom")).content).entries) == 6

    assert 0 < costs[0] == costs[1]
    assert 0 < few == len(statements)
