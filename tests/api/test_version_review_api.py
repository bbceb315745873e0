"""Review of risky updates: a version the review policy holds is answered 202 and served to
nobody (code routes, update checks, the latest-code cache and the lane stay on the previous
version) until a moderator approves it; a rejected one never is."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.client import Api, assert_problem, audited_metadata
from tests.api.mails import FRONTEND, body_of, next_mail
from tests.api.script_calls import audited, post_version, publish
from tests.api.source_calls import FILE, REPOSITORY, script_with_source, source_app, sync_now
from tests.fake_github import FakeGitHub
from tests.smtp_sink import SmtpSink
from tests.userscripts import userscript

BASE = ("match https://example.com/*", "connect api.example.com", "grant GM_getValue")
WIDENING = "connect evil.example.net"

_VERSION_LINE = re.compile(rb"// @version (\S+)")


@pytest.fixture
async def api(make_api: Callable[..., Any]) -> Api:
    built: Api = await make_api(SCRIPTHUB_REVIEW_POLICY="widening")
    return built


def code(version: str, *entries: str) -> str:
    return userscript(version, *BASE, *entries)


def served_version(body: bytes) -> str:
    found = _VERSION_LINE.search(body)
    assert found is not None, body
    return found.group(1).decode()


def code_routes(script: dict[str, Any]) -> list[str]:
    """Every route that serves the latest version's code or block, by id and by slug."""
    by_id, slug = f"/api/scripts/{script['id']}", script["slug"]
    return [
        f"{by_id}/raw",
        f"{by_id}/meta",
        f"/api/scripts/{slug}/raw",
        f"/api/scripts/{slug}/meta",
        f"{by_id}/{slug}.user.js",
        f"{by_id}/{slug}.meta.js",
    ]


async def hold(api: Api) -> tuple[dict[str, Any], str, dict[str, str]]:
    """A script at 1.0 whose update checks were answered (the cache warmed), then a held
    1.1: the script, the owner's token and the ETag of each code route before the hold."""
    owner = (await api.register())["access_token"]
    script = await publish(api, owner, code=code("1.0"))
    etags = {}
    for route in code_routes(script):
        first = await api.get(route)
        assert first.status_code == 200, first.text
        etags[route] = first.headers["etag"]
        cached = await api.send("GET", route, headers={"If-None-Match": etags[route]})
        assert cached.status_code == 304
    held = await post_version(api, owner, script["id"], code=code("1.1", WIDENING))
    assert held.status_code == 202, held.text
    return script, owner, etags


async def test_a_held_version_is_answered_202_with_its_status(api: Api) -> None:
    owner = (await api.register())["access_token"]
    script = await publish(api, owner, code=code("1.0"))

    response = await post_version(api, owner, script["id"], code=code("1.1", WIDENING))

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["version"] == "1.1"
    assert body["status"] == "held_for_review"
    assert body["review"] is None
    assert body["widened"]["connect"] == ["evil.example.net"]
    [entry] = await audited(api, "script.version_held", script["id"])
    metadata = audited_metadata(entry)
    assert metadata["version"] == "1.1"
    assert metadata["owner_id"] == script["owner"]["id"]
    assert await audited(api, "script.version_published", script["id"]) != []
    assert len(await audited(api, "script.version_published", script["id"])) == 1


async def test_a_held_version_is_served_nowhere_and_update_checks_see_no_change(
    api: Api,
) -> None:
    script, _, etags = await hold(api)

    read = await api.get(f"/api/scripts/{script['id']}")
    assert read.json()["latest_version"]["version"] == "1.0"
    for route, etag in etags.items():
        check = await api.send("GET", route, headers={"If-None-Match": etag})
        assert check.status_code == 304, route
        fresh = await api.get(route)
        assert fresh.status_code == 200, route
        assert served_version(fresh.content) == "1.0", route
        assert fresh.headers["etag"] == etag, route


async def test_a_held_version_is_shown_to_its_owner_and_moderators_only(api: Api) -> None:
    script, owner, _ = await hold(api)
    stranger = (await api.register())["access_token"]
    moderator = (await api.role_holder("moderator"))["access_token"]
    pinned = f"/api/scripts/{script['id']}/versions/1.1/raw"
    listed = f"/api/scripts/{script['id']}/versions"

    for token in (None, stranger):
        assert_problem(await api.get(pinned, token), 404, "not_found")
        versions = (await api.get(listed, token)).json()["items"]
        assert [v["version"] for v in versions] == ["1.0"]
    for token in (owner, moderator):
        got = await api.get(pinned, token)
        assert got.status_code == 200, got.text
        assert served_version(got.content) == "1.1"
        assert "private" in got.headers["cache-control"]
        versions = (await api.get(listed, token)).json()["items"]
        assert [(v["version"], v["status"]) for v in versions] == [
            ("1.1", "held_for_review"),
            ("1.0", "published"),
        ]


async def test_approval_serves_the_version_and_drops_the_cached_validators(api: Api) -> None:
    script, _, etags = await hold(api)
    moderator = (await api.role_holder("moderator"))["access_token"]

    review = f"/api/scripts/{script['id']}/versions/1.1/review"
    body = {"decision": "approve", "note": "The new host is the author's own API."}
    response = await api.send("POST", review, moderator, json=body)

    assert response.status_code == 200, response.text
    approved = response.json()
    assert approved["status"] == "published"
    assert approved["review"]["decision"] == "approve"
    assert approved["review"]["note"] == body["note"]
    read = await api.get(f"/api/scripts/{script['id']}")
    assert read.json()["latest_version"]["version"] == "1.1"
    for route, etag in etags.items():
        check = await api.send("GET", route, headers={"If-None-Match": etag})
        assert check.status_code == 200, route
        assert served_version(check.content) == "1.1", route
    [entry] = await audited(api, "script.version_reviewed", script["id"])
    assert audited_metadata(entry) == {
        "decision": "approve",
        "version": "1.1",
        "version_id": approved["id"],
        "owner_id": script["owner"]["id"],
        "latest": True,
    }
    again = await api.send("POST", review, moderator, json={"decision": "reject"})
    assert_problem(again, 409, "conflict")
    queue = (await api.get("/api/moderation/reviews", moderator)).json()["items"]
    assert script["id"] not in {item["script"]["id"] for item in queue}


async def test_rejection_keeps_the_version_out_for_good(api: Api) -> None:
    script, owner, etags = await hold(api)
    moderator = (await api.role_holder("moderator"))["access_token"]
    review = f"/api/scripts/{script['id']}/versions/1.1/review"

    response = await api.send("POST", review, moderator, json={"decision": "reject"})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    assert response.json()["review"]["decision"] == "reject"
    for route, etag in etags.items():
        assert (await api.send("GET", route, headers={"If-None-Match": etag})).status_code == 304
    assert_problem(await api.get(f"/api/scripts/{script['id']}/versions/1.1/raw"), 404, "not_found")
    again = await post_version(api, owner, script["id"], code=code("1.1"))
    assert_problem(again, 409, "conflict")
    approve = await api.send("POST", review, moderator, json={"decision": "approve"})
    assert_problem(approve, 409, "conflict")
    nxt = await post_version(api, owner, script["id"], code=code("1.2"))
    assert nxt.status_code == 201, nxt.text
    assert nxt.json()["status"] == "published"
    owned = (await api.get(f"/api/scripts/{script['id']}/versions", owner)).json()["items"]
    assert [(v["version"], v["status"]) for v in owned] == [
        ("1.2", "published"),
        ("1.1", "rejected"),
        ("1.0", "published"),
    ]
    [entry] = await audited(api, "script.version_reviewed", script["id"])
    assert audited_metadata(entry)["decision"] == "reject"
    assert audited_metadata(entry)["latest"] is False


@pytest.mark.parametrize(
    "entry",
    [
        "connect *",
        "connect other.example.org",
        "grant GM_xmlhttpRequest",
        "grant GM.xmlHttpRequest",
        "grant GM_download",
        "grant GM_cookie",
        "grant unsafeWindow",
        "antifeature ads Shows ads",
    ],
)
async def test_each_widening_is_held(api: Api, entry: str) -> None:
    owner = (await api.register())["access_token"]
    script = await publish(api, owner, code=code("1.0"))

    response = await post_version(api, owner, script["id"], code=code("1.1", entry))

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "held_for_review"


@pytest.mark.parametrize(
    "entry",
    [
        "grant GM_setValue",
        "match https://other.example.org/*",
        "connect self",
        "connect api.example.com",  # the previous version's already
    ],
)
async def test_an_update_that_widens_nothing_risky_is_published(api: Api, entry: str) -> None:
    owner = (await api.register())["access_token"]
    script = await publish(api, owner, code=code("1.0"))

    response = await post_version(api, owner, script["id"], code=code("1.1", entry))

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "published"
    assert response.json()["review"] is None


async def test_a_first_version_is_never_held(make_api: Callable[..., Any]) -> None:
    api: Api = await make_api(SCRIPTHUB_REVIEW_POLICY="all")
    owner = (await api.register())["access_token"]

    script = await publish(api, owner, code=code("1.0", WIDENING, "grant GM_cookie"))

    assert script["latest_version"]["version"] == "1.0"
    raw = await api.get(f"/api/scripts/{script['id']}/raw")
    assert served_version(raw.content) == "1.0"


async def test_policy_all_holds_every_update(make_api: Callable[..., Any]) -> None:
    api: Api = await make_api(SCRIPTHUB_REVIEW_POLICY="all")
    owner = (await api.register())["access_token"]
    script = await publish(api, owner, code=code("1.0"))

    response = await post_version(api, owner, script["id"], code=code("1.1"))

    assert response.status_code == 202, response.text


async def test_policy_off_holds_nothing(make_api: Callable[..., Any]) -> None:
    api: Api = await make_api(SCRIPTHUB_REVIEW_POLICY="off")
    owner = (await api.register())["access_token"]
    script = await publish(api, owner, code=code("1.0"))

    response = await post_version(api, owner, script["id"], code=code("1.1", WIDENING))

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "published"


async def test_only_moderators_review(api: Api) -> None:
    script, owner, _ = await hold(api)
    stranger = (await api.register())["access_token"]
    review = f"/api/scripts/{script['id']}/versions/1.1/review"

    for token in (owner, stranger):
        refused = await api.send("POST", review, token, json={"decision": "approve"})
        assert_problem(refused, 403, "forbidden")
        assert_problem(await api.get("/api/moderation/reviews", token), 403, "forbidden")
    assert_problem(
        await api.send("POST", review, json={"decision": "approve"}), 401, "invalid_token"
    )
    read = await api.get(f"/api/scripts/{script['id']}")
    assert read.json()["latest_version"]["version"] == "1.0"
    admin = (await api.role_holder("admin"))["access_token"]
    me = await api.get("/api/users/me", stranger)
    params = {"action": "access.denied", "actor_id": me.json()["id"]}
    denied = (await api.get("/api/audit-logs", admin, params=params)).json()["items"]
    assert [audited_metadata(e)["permission"] for e in denied] == ["scripts.moderate"] * 2


async def test_a_review_names_a_held_version_with_a_known_decision(api: Api) -> None:
    script, _, _ = await hold(api)
    moderator = (await api.role_holder("moderator"))["access_token"]
    base = f"/api/scripts/{script['id']}/versions"

    for version in ("9.9", "%00", "x" * 300):
        unknown = await api.send(
            "POST", f"{base}/{version}/review", moderator, json={"decision": "reject"}
        )
        assert_problem(unknown, 404, "not_found")
    published = await api.send("POST", f"{base}/1.0/review", moderator, json={"decision": "reject"})
    assert_problem(published, 409, "conflict")
    bad = await api.send("POST", f"{base}/1.1/review", moderator, json={"decision": "maybe"})
    assert bad.status_code in {400, 422}
    assert "decision" in bad.text
    long_note = {"decision": "reject", "note": "x" * 2001}
    too_long = await api.send("POST", f"{base}/1.1/review", moderator, json=long_note)
    assert too_long.status_code in {400, 422}
    assert "note" in too_long.text


async def test_the_queue_lists_held_versions_oldest_first_in_pages(api: Api) -> None:
    moderator = (await api.role_holder("moderator"))["access_token"]
    held = [await hold(api) for _ in range(3)]

    first = await api.get("/api/moderation/reviews", moderator, params={"limit": 2})
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    second = await api.get("/api/moderation/reviews", moderator, params={"cursor": cursor})

    items = first.json()["items"] + second.json()["items"]
    assert second.json()["next_cursor"] is None
    assert [item["script"]["id"] for item in items] == [script["id"] for script, _, _ in held]
    assert {item["version"]["version"] for item in items} == {"1.1"}
    assert {item["version"]["status"] for item in items} == {"held_for_review"}
    assert items[0]["script"]["owner"]["id"] == held[0][0]["owner"]["id"]


async def test_while_a_version_is_held_the_next_is_checked_against_the_latest_published(
    api: Api,
) -> None:
    script, owner, _ = await hold(api)
    moderator = (await api.role_holder("moderator"))["access_token"]

    # Not greater than the held 1.1: a later approval would move the latest backwards.
    behind = await post_version(api, owner, script["id"], code=code("1.0.5"))
    assert_problem(behind, 422, "validation_error")
    # Carrying the held version's new host again: widened from 1.0, so held too.
    again = await post_version(api, owner, script["id"], code=code("1.2", WIDENING))
    assert again.status_code == 202, again.text
    fix = await post_version(api, owner, script["id"], code=code("1.3"))
    assert fix.status_code == 201, fix.text

    review = f"/api/scripts/{script['id']}/versions/1.1/review"
    approved = await api.send("POST", review, moderator, json={"decision": "approve"})
    assert approved.status_code == 200, approved.text
    read = await api.get(f"/api/scripts/{script['id']}")
    assert read.json()["latest_version"]["version"] == "1.3"
    raw = await api.get(f"/api/scripts/{script['id']}/raw")
    assert served_version(raw.content) == "1.3"
    public = (await api.get(f"/api/scripts/{script['id']}/versions")).json()["items"]
    assert [v["version"] for v in public] == ["1.3", "1.1", "1.0"]
    [entry] = await audited(api, "script.version_reviewed", script["id"])
    assert audited_metadata(entry)["latest"] is False


async def test_a_publication_racing_an_approval_never_serves_a_held_version(api: Api) -> None:
    moderator = (await api.role_holder("moderator"))["access_token"]
    for _ in range(6):
        script, owner, etags = await hold(api)
        meta = code_routes(script)[-1]
        # 1.2 carries 1.1's new host: held if it comes first (widened from 1.0), published
        # if it comes after the approval (widened from 1.1).
        review = f"/api/scripts/{script['id']}/versions/1.1/review"
        versions = f"/api/scripts/{script['id']}/versions"
        approve, publication, *checks = await api.at_once(
            api.request("POST", review, moderator, json={"decision": "approve"}),
            api.request("POST", versions, owner, json={"code": code("1.2", WIDENING)}),
            *(api.request("GET", meta) for _ in range(3)),
        )

        assert approve.status_code == 200, approve.text
        assert publication.status_code in {201, 202}, publication.text
        published = publication.status_code == 201
        latest = "1.2" if published else "1.1"
        read = await api.get(f"/api/scripts/{script['id']}")
        assert read.json()["latest_version"]["version"] == latest
        for check in checks:
            assert check.status_code == 200
            assert served_version(check.content) in (
                {"1.0", "1.1", "1.2"} if published else {"1.0", "1.1"}
            )
        for route, etag in etags.items():
            after = await api.send("GET", route, headers={"If-None-Match": etag})
            assert after.status_code == 200, route
            assert served_version(after.content) == latest, route
        statuses = {
            v["version"]: v["status"] for v in (await api.get(versions, owner)).json()["items"]
        }
        assert statuses == {
            "1.0": "published",
            "1.1": "published",
            "1.2": "published" if published else "held_for_review",
        }
        action = "script.version_published" if published else "script.version_held"
        entries = await audited(api, action, script["id"])
        assert "1.2" in {audited_metadata(e)["version"] for e in entries}
        [reviewed] = await audited(api, "script.version_reviewed", script["id"])
        assert audited_metadata(reviewed)["latest"] is True
        assert audited_metadata(reviewed)["version"] == "1.1"


async def test_a_sync_that_brings_a_widening_version_is_held_for_review(
    wiring_environment: dict[str, str], fake_github: FakeGitHub
) -> None:
    async with source_app(
        wiring_environment, fake_github, SCRIPTHUB_REVIEW_POLICY="widening"
    ) as api:
        session = (await api.register())["access_token"]
        script = await script_with_source(api, fake_github, session)
        fake_github.put_file(REPOSITORY, "main", FILE, userscript("1.1", WIDENING))

        last_sync = await sync_now(api, session, script["id"])

        assert (last_sync["status"], last_sync["version"]) == ("held_for_review", "1.1")
        read = await api.get(f"/api/scripts/{script['id']}")
        assert read.json()["latest_version"]["version"] == "1.0"
        raw = await api.get(f"/api/scripts/{script['id']}/raw")
        assert served_version(raw.content) == "1.0"
        [held] = await audited(api, "script.version_held", script["id"])
        assert held["metadata"]["version"] == "1.1"
        synced = await audited(api, "script.synced", script["id"])
        assert [entry["metadata"]["status"] for entry in synced] == ["held_for_review"]


async def test_the_owner_is_mailed_the_decision(
    make_api: Callable[..., Any], smtp_sink: SmtpSink
) -> None:
    api: Api = await make_api(
        SCRIPTHUB_REVIEW_POLICY="widening",
        SCRIPTHUB_SMTP_URL=smtp_sink.url(),
        SCRIPTHUB_FRONTEND_URL=FRONTEND,
    )
    pair = await api.register()
    owner, email = pair["access_token"], pair["user"]["email"]
    script = await publish(api, owner, code=code("1.0"))
    held = await post_version(api, owner, script["id"], code=code("1.1", WIDENING))
    assert held.status_code == 202, held.text
    moderator = (await api.role_holder("moderator"))["access_token"]
    await next_mail(smtp_sink, email)  # the address's confirmation

    review = f"/api/scripts/{script['id']}/versions/1.1/review"
    note = "Please explain why it now reaches evil.example.net."
    response = await api.send("POST", review, moderator, json={"decision": "reject", "note": note})

    assert response.status_code == 200, response.text
    mail = await next_mail(smtp_sink, email, 1)
    assert mail["Subject"] == "Dark Mode 1.1 was rejected"
    assert note in body_of(mail)


async def test_two_approvals_at_once_leave_the_greatest_version_the_latest(api: Api) -> None:
    # Two moderators: one moderator's requests wait for each other on their account's lock.
    moderators = [(await api.role_holder(role))["access_token"] for role in ("moderator", "admin")]
    approve = {"decision": "approve"}
    for _ in range(6):
        script, owner, etags = await hold(api)
        second = await post_version(api, owner, script["id"], code=code("1.2", WIDENING))
        assert second.status_code == 202, second.text
        versions = f"/api/scripts/{script['id']}/versions"

        approvals = await api.at_once(
            api.request("POST", f"{versions}/1.1/review", moderators[0], json=approve),
            api.request("POST", f"{versions}/1.2/review", moderators[1], json=approve),
        )

        assert [a.status_code for a in approvals] == [200, 200]
        read = await api.get(f"/api/scripts/{script['id']}")
        assert read.json()["latest_version"]["version"] == "1.2"
        for route, etag in etags.items():
            after = await api.send("GET", route, headers={"If-None-Match": etag})
            assert served_version(after.content) == "1.2", route
        reviewed = await audited(api, "script.version_reviewed", script["id"])
        latest = {audited_metadata(e)["version"]: audited_metadata(e)["latest"] for e in reviewed}
        assert latest["1.2"] is True
        assert set(latest) == {"1.1", "1.2"}


async def test_a_stranger_cannot_learn_of_a_held_version_by_reporting_it(api: Api) -> None:
    script, _, _ = await hold(api)
    reporter = (await api.verified_user())["access_token"]
    body = {"reason": "malware", "details": "It steals cookies.", "version": "1.1"}

    response = await api.send("POST", f"/api/scripts/{script['id']}/reports", reporter, json=body)

    assert_problem(response, 404, "not_found")
    assert (await api.get("/api/users/me/reports", reporter)).json()["items"] == []
