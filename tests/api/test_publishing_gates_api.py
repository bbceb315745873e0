"""Who may publish, over HTTP on both wirings: a verified email where
`SCRIPTHUB_PUBLISH_REQUIRES_VERIFIED_EMAIL` is on (by default in production), and a new
account's daily quota of scripts and versions, held under concurrent publications."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.api.client import Api, assert_problem
from tests.api.script_calls import audited, post_version, publish
from tests.api.source_calls import FILE, REPOSITORY, script_with_source, source_app, sync_now
from tests.fake_github import FakeGitHub
from tests.production import PRODUCTION_ON_EMBEDDED
from tests.userscripts import userscript

VERIFIED_ONLY = {"SCRIPTHUB_PUBLISH_REQUIRES_VERIFIED_EMAIL": "1"}
QUOTA = 3
"""Of QUOTA + 3 publications at once: `at_once` sends each from a worker thread of the
default executor, which has 6 on a 2-CPU machine."""
NEW_ACCOUNTS = {
    "SCRIPTHUB_NEW_ACCOUNT_DAYS": "7",
    "SCRIPTHUB_NEW_ACCOUNT_DAILY_PUBLISHES": str(QUOTA),
}
DAY = 24 * 3600


def _new_script(name: str) -> dict[str, Any]:
    return {"code": userscript("1.0", name=name), "language": "javascript"}


async def test_an_unverified_account_publishes_nothing_where_verification_is_required(
    make_api: Callable[..., Any],
) -> None:
    lenient: Api = await make_api()
    strict: Api = await make_api(**VERIFIED_ONLY)
    pair = await strict.register()
    session = pair["access_token"]
    script = await publish(lenient, session)  # the same database, before the rule

    created = await strict.send("POST", "/api/scripts", session, json=_new_script("Blocked"))
    version = await post_version(strict, session, script["id"], code=userscript("1.1"))
    strict.verify_email(pair["user"]["id"])
    after = await strict.send("POST", "/api/scripts", session, json=_new_script("Allowed"))
    later = await post_version(strict, session, script["id"], code=userscript("1.1"))

    assert_problem(created, 403, "email_not_verified")
    assert_problem(version, 403, "email_not_verified")
    assert after.status_code == 201, after.text
    assert later.status_code == 201, later.text
    versions = await strict.get(f"/api/scripts/{script['id']}/versions", session)
    assert [v["version"] for v in versions.json()["items"]] == ["1.1", "1.0"]


async def test_the_rule_is_off_in_development_and_test_by_default(
    make_api: Callable[..., Any],
) -> None:
    for environment in ("test", "development"):
        api: Api = await make_api(SCRIPTHUB_ENV=environment)
        session = (await api.register())["access_token"]
        for number in range(QUOTA + 2):  # nor is there a quota
            response = await api.send(
                "POST", "/api/scripts", session, json=_new_script(f"{environment} {number}")
            )
            assert response.status_code == 201, response.text


async def test_production_requires_a_verified_email_and_counts_new_accounts_by_default(
    make_api: Callable[..., Any],
) -> None:
    api: Api = await make_api(**PRODUCTION_ON_EMBEDDED)
    pair = await api.register()
    session = pair["access_token"]

    refused = await api.send("POST", "/api/scripts", session, json=_new_script("Prod"))
    api.verify_email(pair["user"]["id"])
    answers = [
        await api.send("POST", "/api/scripts", session, json=_new_script(f"Prod {n}"))
        for n in range(11)
    ]

    assert_problem(refused, 403, "email_not_verified")
    assert [a.status_code for a in answers] == [201] * 10 + [429]
    assert_problem(answers[-1], 429, "too_many_publishes")


async def test_a_new_account_s_quota_counts_scripts_and_versions_in_24_hours(
    make_api: Callable[..., Any],
) -> None:
    api: Api = await make_api(**NEW_ACCOUNTS)
    session = (await api.register())["access_token"]
    script = await publish(api, session)

    versions = [
        await post_version(api, session, script["id"], code=userscript(f"1.{n}"))
        for n in range(1, QUOTA)
    ]
    over_version = await post_version(api, session, script["id"], code=userscript("2.0"))
    over_script = await api.send("POST", "/api/scripts", session, json=_new_script("More"))
    deleted = await api.send("DELETE", f"/api/scripts/{script['id']}", session)
    after_delete = await api.send("POST", "/api/scripts", session, json=_new_script("Again"))
    other = (await api.register())["access_token"]
    someone_else = await api.send("POST", "/api/scripts", other, json=_new_script("Other"))

    assert [v.status_code for v in versions] == [201] * (QUOTA - 1)
    for refused in (over_version, over_script, after_delete):
        problem = assert_problem(refused, 429, "too_many_publishes")
        assert f"at most {QUOTA} scripts or versions in 24 hours" in problem["detail"]
        assert DAY - 120 <= int(refused.headers["Retry-After"]) <= DAY
    assert deleted.status_code == 204, deleted.text
    assert someone_else.status_code == 201, someone_else.text


async def test_an_account_older_than_the_new_account_days_has_no_quota(
    make_api: Callable[..., Any],
) -> None:
    api: Api = await make_api(
        SCRIPTHUB_NEW_ACCOUNT_DAYS="0", SCRIPTHUB_NEW_ACCOUNT_DAILY_PUBLISHES="1"
    )
    session = (await api.register())["access_token"]

    answers = [
        await api.send("POST", "/api/scripts", session, json=_new_script(f"Old {n}"))
        for n in range(3)
    ]

    assert [a.status_code for a in answers] == [201] * 3


@pytest.mark.parametrize("kind", ["scripts", "versions"])
async def test_publications_sent_at_once_never_pass_the_quota(
    make_api: Callable[..., Any], kind: str
) -> None:
    api: Api = await make_api(**NEW_ACCOUNTS)
    for _ in range(3):
        session = (await api.register())["access_token"]
        if kind == "scripts":
            left = QUOTA
            requests = [
                api.request("POST", "/api/scripts", session, json=_new_script(f"Race {n}"))
                for n in range(QUOTA + 3)
            ]
        else:
            script = await publish(api, session)
            left = QUOTA - 1
            requests = [
                api.request(
                    "POST",
                    f"/api/scripts/{script['id']}/versions",
                    session,
                    json={"code": userscript(f"2.{n}")},
                )
                for n in range(QUOTA + 3)
            ]

        answers = await api.at_once(*requests)

        statuses = sorted(a.status_code for a in answers)
        # A version that lost to a greater one published meanwhile is 422 (the version rule),
        # never a pass of the quota.
        assert statuses.count(201) <= left
        assert statuses.count(429) >= len(requests) - left - statuses.count(422)
        assert set(statuses) <= {201, 422, 429}
        if kind == "scripts":
            assert statuses == [201] * left + [429] * 3
        mine = await api.get("/api/users/me/scripts", session, params={"limit": 100})
        published = 0
        for item in mine.json()["items"]:
            versions = await api.get(f"/api/scripts/{item['id']}/versions", session)
            published += len(versions.json()["items"])
            created = await audited(api, "script.created", item["id"])
            versions_audited = await audited(api, "script.version_published", item["id"])
            assert len(created) == 1
            assert len(versions_audited) == len(versions.json()["items"])
        assert published == QUOTA if kind == "scripts" else published == 1 + statuses.count(201)
        assert published <= QUOTA


@pytest.fixture
async def strict_sources(
    wiring_environment: dict[str, str], fake_github: FakeGitHub
) -> AsyncIterator[tuple[Api, Api]]:
    """Two apps on one database, both reaching the fake GitHub: without the rule (and
    running no syncs), and with it."""
    async with (
        source_app(wiring_environment, fake_github, SCRIPTHUB_SOURCE_SYNC="external") as lenient,
        source_app(wiring_environment, fake_github, **VERIFIED_ONLY) as strict,
    ):
        yield lenient, strict


async def test_a_sync_of_an_unverified_owner_fails_with_that_reason(
    strict_sources: tuple[Api, Api], fake_github: FakeGitHub
) -> None:
    lenient, strict = strict_sources
    pair = await lenient.register()
    session = pair["access_token"]
    script = await script_with_source(lenient, fake_github, session)
    fake_github.put_file(REPOSITORY, "main", FILE, userscript("1.1"))

    failed = await sync_now(strict, session, script["id"])
    strict.verify_email(pair["user"]["id"])
    published = await sync_now(strict, session, script["id"])

    assert failed["status"] == "failed"
    assert "Verify your email" in failed["error"]
    assert (published["status"], published["version"]) == ("published", "1.1")
