"""The GitHub webhook over HTTP on both wirings: its secret (shown once), signatures checked
before anything else, deliveries de-duplicated, `push` and `release` syncing the sources
they touch; and syncs of one source sent at once running one at a time."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.api.client import Api, assert_problem
from tests.api.script_calls import audited, publish
from tests.api.source_calls import (
    FILE,
    REPOSITORY,
    deliver,
    push,
    script_with_source,
    source_app,
    synced,
)
from tests.fake_github import FakeGitHub
from tests.userscripts import userscript


@pytest.fixture
async def api(wiring_environment: dict[str, str], fake_github: FakeGitHub) -> AsyncIterator[Api]:
    async with source_app(wiring_environment, fake_github) as built:
        yield built


async def new_secret(api: Api, session: str) -> str:
    response = await api.send("POST", "/api/users/me/webhook/secret", session)
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


async def pending_syncs(api: Api) -> int:
    store = api.container.adapters.sync_job_store()
    counts = api.client.blocking_portal.call(store.count_by_status)
    return sum(count for status, count in counts.items() if status == "pending")


async def test_the_webhook_secret_is_shown_once_and_replaced(api: Api) -> None:
    pair = await api.register()
    session, user_id = pair["access_token"], pair["user"]["id"]

    before = await api.get("/api/users/me/webhook", session)
    first = await new_secret(api, session)
    second = await new_secret(api, session)
    after = await api.get("/api/users/me/webhook", session)
    old = await deliver(api, user_id, "ping", {"zen": "hi"}, first)
    new = await deliver(api, user_id, "ping", {"zen": "hi"}, second)

    assert before.json()["url"].endswith(f"/api/webhooks/github/{user_id}")
    assert before.json()["secret_hint"] is None
    assert first != second
    assert first.startswith("whs_")
    assert after.json()["secret_hint"] == "…" + second[-4:]
    assert "secret" not in after.json()
    assert_problem(old, 401, "invalid_token")
    assert new.status_code == 200, new.text


async def test_bad_signatures_are_refused_before_anything_is_read(
    api: Api, fake_github: FakeGitHub
) -> None:
    pair = await api.register()
    session, user_id = pair["access_token"], pair["user"]["id"]
    await script_with_source(api, fake_github, session, sync="webhook")
    secret = await new_secret(api, session)
    other = await new_secret(api, (await api.register())["access_token"])
    pushed = push([FILE])

    refusals = [
        await deliver(api, user_id, "push", pushed, None),
        await deliver(api, user_id, "push", pushed, other),
        await deliver(api, user_id, "push", pushed, secret, signature="sha256=" + "0" * 64),
        await deliver(api, user_id, "push", pushed, secret, signature="sha1=abc"),
        await deliver(api, str(uuid.uuid4()), "push", pushed, secret),
    ]
    not_json = await api.client.post(
        f"/api/webhooks/github/{user_id}",
        content=b"{" * 10,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00"},
    )
    huge = await api.client.post(
        f"/api/webhooks/github/{user_id}",
        content=b" " * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )

    for refused in [*refusals, not_json]:
        assert_problem(refused, 401, "invalid_token")
    assert_problem(huge, 413, "payload_too_large")
    assert await pending_syncs(api) == 0
    assert fake_github.hits(f"/raw/{REPOSITORY}/main/{FILE}") == 1  # the PUT's check only


async def test_a_push_syncs_the_sources_it_touched_once_per_delivery(
    api: Api, fake_github: FakeGitHub
) -> None:
    pair = await api.register()
    session, user_id = pair["access_token"], pair["user"]["id"]
    script = await script_with_source(api, fake_github, session, sync="webhook")
    manual = await publish(api, session, code=userscript("1.0", name="Other"))
    secret = await new_secret(api, session)
    fake_github.put_file(REPOSITORY, "main", FILE, userscript("1.1"))

    ping = await deliver(api, user_id, "ping", {"zen": "hi"}, secret)
    elsewhere = await deliver(api, user_id, "push", push(["README.md"]), secret)
    other_branch = await deliver(api, user_id, "push", push([FILE], "refs/heads/dev"), secret)
    other_repo = await deliver(api, user_id, "push", push([FILE], repository="a/b"), secret)
    accepted = await deliver(api, user_id, "push", push([FILE]), secret, delivery="d-1")
    replayed = await deliver(api, user_id, "push", push([FILE]), secret, delivery="d-1")
    last = await synced(api, session, script["id"])

    assert ping.status_code == 200, ping.text
    for nothing in (elsewhere, other_branch, other_repo):
        assert nothing.status_code == 202, nothing.text
        assert nothing.json() == {"sync_ids": []}
    assert accepted.status_code == 202, accepted.text
    assert len(accepted.json()["sync_ids"]) == 1
    assert replayed.status_code == 200, replayed.text
    assert replayed.json() == {"sync_ids": []}
    assert (last["status"], last["version"]) == ("published", "1.1")
    entries = await audited(api, "script.synced", script["id"])
    assert [entry["metadata"]["delivery"] for entry in entries] == ["d-1"]
    assert (await api.get(f"/api/scripts/{manual['id']}/source", session)).status_code == 404


async def test_a_published_release_syncs_the_sources_following_releases(
    api: Api, fake_github: FakeGitHub
) -> None:
    pair = await api.register()
    session, user_id = pair["access_token"], pair["user"]["id"]
    script = await publish(api, session, code=userscript("1.0"))
    fake_github.release(REPOSITORY, "v1", {"dark.user.js": userscript("1.0")})
    url = f"https://github.com/{REPOSITORY}/releases?asset=dark.user.js"
    body = {"url": url, "sync": "webhook"}
    assert (
        await api.send("PUT", f"/api/scripts/{script['id']}/source", session, json=body)
    ).status_code == 200
    secret = await new_secret(api, session)
    fake_github.release(REPOSITORY, "v2", {"dark.user.js": userscript("2.0")})
    released = {
        "action": "published",
        "release": {"tag_name": "v2"},
        "repository": {"full_name": "Octo/Tools"},
    }

    drafted = await deliver(api, user_id, "release", {**released, "action": "created"}, secret)
    published = await deliver(api, user_id, "release", released, secret)
    last = await synced(api, session, script["id"])

    assert drafted.json() == {"sync_ids": []}
    assert published.status_code == 202, published.text
    assert len(published.json()["sync_ids"]) == 1
    assert (last["status"], last["version"]) == ("published", "2.0")


async def test_syncs_of_one_source_sent_at_once_run_one_at_a_time(
    api: Api, fake_github: FakeGitHub
) -> None:
    session = (await api.register())["access_token"]
    script = await script_with_source(api, fake_github, session)
    fake_github.put_file(REPOSITORY, "main", FILE, userscript("1.1"))
    fake_github.delay = 0.05
    path = f"/api/scripts/{script['id']}/source/sync"

    # Five at once: `at_once` holds a thread of the default executor (6 on 2 cores) for each.
    for _ in range(4):
        answers = await api.at_once(*(api.request("POST", path, session) for _ in range(5)))
        assert [answer.status_code for answer in answers] == [202] * 5
    entries = await _all_synced(api, script["id"], 20)
    versions = await api.get(f"/api/scripts/{script['id']}/versions", session)

    assert [v["version"] for v in versions.json()["items"]] == ["1.1", "1.0"]
    statuses = [entry["metadata"]["status"] for entry in entries]
    assert statuses.count("published") == 1
    assert statuses.count("unchanged") == 19
    published = await audited(api, "script.version_published", script["id"])
    assert sorted(entry["metadata"]["version"] for entry in published) == ["1.0", "1.1"]


async def _all_synced(api: Api, script_id: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while len(entries := await audited(api, "script.synced", script_id)) < count:
        assert time.monotonic() < deadline, f"{len(entries)} of {count} syncs ran"
        await asyncio.sleep(0.2)
    return entries


async def test_deliveries_count_against_each_account_not_the_shared_address(
    wiring_environment: dict[str, str], fake_github: FakeGitHub
) -> None:
    # GitHub delivers every account's webhooks from a few shared addresses.
    async with source_app(
        wiring_environment, fake_github, SCRIPTHUB_RATE_LIMIT_API="10/900"
    ) as api:
        accounts = []
        for _ in range(3):
            pair = await api.register()
            accounts.append((pair["user"]["id"], await new_secret(api, pair["access_token"])))

        pings = [
            await deliver(api, user_id, "ping", {"zen": "Keep it simple."}, secret)
            for user_id, secret in accounts
            for _ in range(4)
        ]
        over = [await deliver(api, accounts[0][0], "ping", {}, accounts[0][1]) for _ in range(7)]

    assert [answer.status_code for answer in pings] == [200] * 12
    assert_problem(over[-1], 429, "rate_limited")


async def test_a_signed_delivery_nested_too_deep_is_a_bad_request(
    api: Api, fake_github: FakeGitHub
) -> None:
    pair = await api.register()
    secret = await new_secret(api, pair["access_token"])
    body = b"[" * 200_000 + b"]" * 200_000
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    answer = await api.client.post(
        f"/api/webhooks/github/{pair['user']['id']}",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": signature,
        },
    )

    assert_problem(answer, 400, "bad_request")
    assert await pending_syncs(api) == 0
