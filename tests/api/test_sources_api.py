"""Script sources over HTTP on both wirings, against the fake GitHub: set, read, removed;
synced by hand into a new version only when the bytes changed, with every version rule;
failures recorded; bad input refused."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from email.message import EmailMessage

import pytest

from tests.api.client import Api, assert_problem, audited_metadata
from tests.api.script_calls import audited, publish
from tests.api.source_calls import (
    BLOB_URL,
    FILE,
    REPOSITORY,
    script_with_source,
    source_app,
    sync_now,
    synced,
)
from tests.api.token_calls import READ, make_token
from tests.fake_github import FakeGitHub
from tests.smtp_sink import SmtpSink
from tests.userscripts import userscript


@pytest.fixture
async def api(wiring_environment: dict[str, str], fake_github: FakeGitHub) -> AsyncIterator[Api]:
    async with source_app(wiring_environment, fake_github) as built:
        yield built


async def test_a_github_file_is_synced_into_a_version_only_when_its_bytes_change(
    api: Api, fake_github: FakeGitHub
) -> None:
    session = (await api.register())["access_token"]
    script = await script_with_source(api, fake_github, session)
    path = f"/api/scripts/{script['id']}/source"

    shown = await api.get(path, session)
    same = await sync_now(api, session, script["id"])
    fake_github.put_file(REPOSITORY, "main", FILE, userscript("1.1"))
    newer = await sync_now(api, session, script["id"])
    again = await sync_now(api, session, script["id"])
    versions = await api.get(f"/api/scripts/{script['id']}/versions", session)

    assert shown.status_code == 200, shown.text
    assert shown.json() == {"url": BLOB_URL, "sync": "manual", "ref": "main", "last_sync": None}
    assert (same["status"], same["version"], same["error"]) == ("unchanged", "1.0", None)
    assert (newer["status"], newer["version"]) == ("published", "1.1")
    assert again["status"] == "unchanged"
    assert [v["version"] for v in versions.json()["items"]] == ["1.1", "1.0"]
    synced = await audited(api, "script.synced", script["id"])
    assert sorted(entry["metadata"]["status"] for entry in synced) == [
        "published",
        "unchanged",
        "unchanged",
    ]
    assert [audited_metadata(e) for e in await audited(api, "script.source_set", script["id"])] == [
        {"url": BLOB_URL, "sync": "manual"}
    ]


async def test_a_sync_refused_by_the_version_rules_is_recorded_as_failed(
    api: Api, fake_github: FakeGitHub
) -> None:
    session = (await api.register())["access_token"]
    script = await script_with_source(api, fake_github, session)
    fake_github.put_file(REPOSITORY, "main", FILE, userscript("0.9", body="older();\n"))

    failed = await sync_now(api, session, script["id"])
    fake_github.remove_url(f"/raw/{REPOSITORY}/main/{FILE}")
    gone = await sync_now(api, session, script["id"])

    assert failed["status"] == "failed"
    assert "version" in failed["error"]
    assert gone["status"] == "failed"
    assert "404" in gone["error"]
    entries = await audited(api, "script.synced", script["id"])
    assert {entry["metadata"]["status"] for entry in entries} == {"failed"}


async def test_a_release_asset_is_followed(api: Api, fake_github: FakeGitHub) -> None:
    session = (await api.register())["access_token"]
    script = await publish(api, session, code=userscript("1.0"))
    fake_github.release(REPOSITORY, "v1.0", {"dark.user.js": userscript("1.0")})
    url = f"https://github.com/{REPOSITORY}/releases?asset=dark.user.js"

    set_ = await api.send(
        "PUT", f"/api/scripts/{script['id']}/source", session, json={"url": url, "sync": "webhook"}
    )
    fake_github.release(REPOSITORY, "v2.0", {"dark.user.js": userscript("2.0")})
    last = await sync_now(api, session, script["id"])

    assert set_.status_code == 200, set_.text
    assert set_.json()["ref"] is None
    assert (last["status"], last["version"]) == ("published", "2.0")


async def test_any_url_is_a_source_but_not_a_webhook_one(api: Api, fake_github: FakeGitHub) -> None:
    session = (await api.register())["access_token"]
    script = await publish(api, session, code=userscript("1.0"))
    fake_github.put_url("/files/dark.user.js", userscript("1.5"))
    url = fake_github.url("/files/dark.user.js")
    path = f"/api/scripts/{script['id']}/source"

    webhook = await api.send("PUT", path, session, json={"url": url, "sync": "webhook"})
    manual = await api.send("PUT", path, session, json={"url": url, "sync": "manual"})
    last = await sync_now(api, session, script["id"])
    again = await sync_now(api, session, script["id"])  # a 304

    assert_problem(webhook, 422, "validation_error")
    assert manual.status_code == 200, manual.text
    assert (last["status"], last["version"]) == ("published", "1.5")
    assert (again["status"], again["version"]) == ("unchanged", "1.5")
    assert fake_github.hits("304 /files/dark.user.js") == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "ftp://example.com/a.user.js", "sync": "manual"}, "validation_error"),
        ({"url": "not a url", "sync": "manual"}, "validation_error"),
        ({"url": "https://github.com/octo/tools/releases", "sync": "manual"}, "validation_error"),
        ({"url": "https://github.com/../x/blob/main/a.js", "sync": "manual"}, "validation_error"),
        ({"url": BLOB_URL, "sync": "hourly"}, "validation_error"),
        ({"url": BLOB_URL, "sync": "manual", "extra": 1}, "validation_error"),
        ({"url": "https://x.example/" + "a" * 3000, "sync": "manual"}, "validation_error"),
        ({"url": BLOB_URL.replace("main", "nowhere"), "sync": "manual"}, "source_unreachable"),
    ],
)
async def test_bad_sources_are_refused(
    api: Api, fake_github: FakeGitHub, body: dict[str, object], code: str
) -> None:
    session = (await api.register())["access_token"]
    script = await script_with_source(api, fake_github, session)
    path = f"/api/scripts/{script['id']}/source"

    refused = await api.send("PUT", path, session, json=body)

    assert_problem(refused, 422, code)
    assert (await api.get(path, session)).json()["url"] == BLOB_URL


async def test_only_the_owner_reaches_a_source_and_a_read_token_does_not(
    api: Api, fake_github: FakeGitHub
) -> None:
    owner = await api.verified_user()
    session = owner["access_token"]
    script = await script_with_source(api, fake_github, session)
    other = (await api.register())["access_token"]
    reader = await make_token(api, session, scopes=READ)
    publisher = await make_token(api, session)
    path = f"/api/scripts/{script['id']}/source"

    assert_problem(await api.get(path, other), 403, "forbidden")
    assert_problem(await api.send("POST", f"{path}/sync", other), 403, "forbidden")
    assert_problem(await api.get(path, reader["secret"]), 403, "token_scope")
    assert (await api.get(path, publisher["secret"])).status_code == 200
    assert_problem(await api.get("/api/scripts/not-an-id/source", session), 404, "not_found")
    removed = await api.send("DELETE", path, publisher["secret"])
    assert removed.status_code == 204, removed.text
    assert_problem(await api.get(path, session), 404, "not_found")
    assert_problem(await api.send("DELETE", path, session), 404, "not_found")
    assert_problem(await api.send("POST", f"{path}/sync", session), 404, "not_found")
    entries = await audited(api, "script.source_removed", script["id"])
    assert [audited_metadata(entry) for entry in entries] == [
        {"url": BLOB_URL, "token_id": publisher["id"]}
    ]


async def test_a_scheduled_source_syncs_by_itself_then_asks_if_the_file_changed(
    api: Api, fake_github: FakeGitHub
) -> None:
    session = (await api.register())["access_token"]
    script = await script_with_source(api, fake_github, session, sync="schedule")
    raw = f"/raw/{REPOSITORY}/main/{FILE}"

    first = await synced(api, session, script["id"])  # due at once, no POST
    again = await sync_now(api, session, script["id"])

    assert (first["status"], first["version"]) == ("unchanged", "1.0")
    assert again["status"] == "unchanged"
    assert fake_github.hits(f"304 {raw}") == 1
    entries = await audited(api, "script.synced", script["id"])
    assert sorted(entry["metadata"]["trigger"] for entry in entries) == ["manual", "schedule"]


async def test_the_owner_is_mailed_once_per_failing_streak(
    wiring_environment: dict[str, str], fake_github: FakeGitHub, smtp_sink: SmtpSink
) -> None:
    async with source_app(
        wiring_environment, fake_github, SCRIPTHUB_SMTP_URL=smtp_sink.url()
    ) as api:
        pair = await api.register()
        session, email = pair["access_token"], pair["user"]["email"]
        script = await script_with_source(api, fake_github, session)
        fake_github.remove_url(f"/raw/{REPOSITORY}/main/{FILE}")

        for _ in range(2):
            assert (await sync_now(api, session, script["id"]))["status"] == "failed"
        fake_github.put_file(REPOSITORY, "main", FILE, userscript("1.0"))
        assert (await sync_now(api, session, script["id"]))["status"] == "unchanged"
        one_streak = await sync_mails(smtp_sink, email, 1)
        fake_github.remove_url(f"/raw/{REPOSITORY}/main/{FILE}")
        assert (await sync_now(api, session, script["id"]))["status"] == "failed"
        two_streaks = await sync_mails(smtp_sink, email, 2)
        metrics = await api.client.get("/metrics")
        ready = await api.client.get("/health/ready")

    assert [mail["Subject"] for mail in two_streaks] == ["Syncing Dark Mode failed"] * 2
    assert len(one_streak) == 1
    assert "answered 404" in str(one_streak[0].get_body(("plain",)).get_content())
    assert 'scripthub_source_sync_jobs{status="done"} 4.0' in metrics.text
    assert 'scripthub_source_sync_jobs{status="pending"} 0.0' in metrics.text
    assert "scripthub_source_sync_oldest_pending_age_seconds 0.0" in metrics.text
    assert ready.json()["source_sync"] == "ok"


async def sync_mails(sink: SmtpSink, to: str, count: int) -> list[EmailMessage]:
    """The sync failure mails to `to` once there are `count`, and no more a while later (the
    outbox sends within a second or two)."""
    deadline = time.monotonic() + 10
    while len(mails := _sync_mails(sink, to)) < count:
        assert time.monotonic() < deadline, f"{len(mails)} sync mails, not {count}"
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.5)
    return _sync_mails(sink, to)


def _sync_mails(sink: SmtpSink, to: str) -> list[EmailMessage]:
    return [m for m in sink.messages if m["To"] == to and m["Subject"].startswith("Syncing")]
