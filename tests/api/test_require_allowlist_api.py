"""The `@require`/`@resource` allow-list over HTTP on both wirings: read and replaced by
moderators only, patterns checked, audited; and every publication (a new script, a new
version, a source sync) refused when it names a URL the list does not admit."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest

from scripthub.domain.require_policy import SEEDED_PATTERNS
from tests.api.client import Api, assert_problem, audited_metadata
from tests.api.script_calls import post_version, publish
from tests.api.source_calls import FILE, REPOSITORY, script_with_source, source_app, sync_now
from tests.api.token_calls import make_token
from tests.fake_github import FakeGitHub
from tests.userscripts import userscript

PATH = "/api/moderation/require-allowlist"
PINNED = f"https://evil.example/lib.js#sha256={hashlib.sha256(b'lib').hexdigest()}"


@pytest.fixture
async def api(wiring_environment: dict[str, str], fake_github: FakeGitHub) -> AsyncIterator[Api]:
    async with source_app(wiring_environment, fake_github) as built:
        yield built


async def _moderator(api: Api) -> str:
    token: str = (await api.role_holder("moderator"))["access_token"]
    return token


async def _replace(api: Api, token: str, patterns: list[str]) -> Any:
    response = await api.send("PUT", PATH, token, json={"patterns": patterns})
    assert response.status_code == 200, response.text
    return response.json()


async def _allowlist_entries(api: Api) -> list[dict[str, Any]]:
    admin = (await api.role_holder("admin"))["access_token"]
    params = {"action": "require_allowlist.updated", "limit": 100}
    response = await api.get("/api/audit-logs", admin, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_list_starts_with_the_common_cdns(api: Api) -> None:
    moderator = await _moderator(api)
    admin = (await api.role_holder("admin"))["access_token"]

    for token in (moderator, admin):
        response = await api.get(PATH, token)
        assert response.status_code == 200, response.text
        assert response.json() == {"patterns": list(SEEDED_PATTERNS)}


async def test_only_moderators_read_or_replace_it_and_never_with_a_token(api: Api) -> None:
    pair = await api.verified_user()
    user = (await api.register())["access_token"]
    moderator = await _moderator(api)
    await api.grant_role(pair["user"]["email"], "moderator")
    login = {"email": pair["user"]["email"], "password": pair["password"]}
    promoted = (await api.client.post("/api/auth/login", json=login)).json()["access_token"]
    token = (await make_token(api, promoted))["secret"]
    body = {"patterns": ["evil.example"]}

    assert_problem(await api.get(PATH), 401, "invalid_token")
    assert_problem(await api.send("PUT", PATH, json=body), 401, "invalid_token")
    assert_problem(await api.get(PATH, user), 403, "forbidden")
    assert_problem(await api.send("PUT", PATH, user, json=body), 403, "forbidden")
    assert_problem(await api.get(PATH, token), 403, "token_scope")
    assert_problem(await api.send("PUT", PATH, token, json=body), 403, "token_scope")
    assert (await api.get(PATH, moderator)).json() == {"patterns": list(SEEDED_PATTERNS)}
    assert await _allowlist_entries(api) == []


async def test_a_replacement_is_normalized_and_audited_with_the_list_before_and_after(
    api: Api,
) -> None:
    moderator = await _moderator(api)
    sent = ["CDN.jsdelivr.net", "*.Example.org", "HTTPS://Raw.GitHubUserContent.com/Octo/lib/"]
    stored = ["cdn.jsdelivr.net", "*.example.org", "https://raw.githubusercontent.com/Octo/lib/"]

    replaced = await _replace(api, moderator, sent)
    again = await _replace(api, moderator, stored)  # what it holds: no change
    emptied = await _replace(api, moderator, [])

    assert replaced == {"patterns": stored}
    assert again == {"patterns": stored}
    assert emptied == {"patterns": []}
    assert (await api.get(PATH, moderator)).json() == {"patterns": []}
    entries = await _allowlist_entries(api)
    assert [audited_metadata(e) for e in reversed(entries)] == [
        {"before": list(SEEDED_PATTERNS), "after": stored},
        {"before": stored, "after": []},
    ]
    assert {e["resource_type"] for e in entries} == {"require_allowlist"}


@pytest.mark.parametrize(
    ("patterns", "fields"),
    [
        (["*"], ["patterns[0]"]),
        (["unpkg.com", "https://cdn.jsdelivr.net", "*.com"], ["patterns[1]", "patterns[2]"]),
        (["https://cdn.jsdelivr.net/npm/../"], ["patterns[0]"]),
        (["https://u@cdn.jsdelivr.net/"], ["patterns[0]"]),
        (["cdn.jsdelivr.net:443"], ["patterns[0]"]),
        (["http://cdn.jsdelivr.net/"], ["patterns[0]"]),
        (["127.0.0.1"], ["patterns[0]"]),
        (["bücher.example"], ["patterns[0]"]),
        (["unpkg.com", "UNPKG.COM"], ["patterns[1]"]),
        (["h.example/" + "a" * 300], ["patterns[0]"]),
        ([f"h{n}.example.com" for n in range(201)], ["patterns"]),
        ([3], ["patterns[0]"]),
    ],
)
async def test_bad_patterns_are_refused_naming_each(
    api: Api, patterns: list[Any], fields: list[str]
) -> None:
    moderator = await _moderator(api)

    refused = await api.send("PUT", PATH, moderator, json={"patterns": patterns})

    problem = assert_problem(refused, 422, "validation_error")
    assert [error["field"] for error in problem["errors"]] == fields
    assert (await api.get(PATH, moderator)).json() == {"patterns": list(SEEDED_PATTERNS)}
    assert await _allowlist_entries(api) == []


async def test_replacements_sent_at_once_are_audited_one_after_the_other(api: Api) -> None:
    moderator = await _moderator(api)
    lists = [[f"cdn{n}.example.com"] for n in range(4)]

    for _ in range(3):
        answers = await api.at_once(
            *(api.request("PUT", PATH, moderator, json={"patterns": p}) for p in lists)
        )
        assert [a.status_code for a in answers] == [200] * len(lists)

    entries = [audited_metadata(e) for e in reversed(await _allowlist_entries(api))]
    final = (await api.get(PATH, moderator)).json()["patterns"]
    chain = [entry["before"] for entry in entries] + [entries[-1]["after"]]
    assert chain[0] == list(SEEDED_PATTERNS)
    assert all(entry["before"] != entry["after"] for entry in entries)
    for earlier, later in itertools.pairwise(entries):
        assert later["before"] == earlier["after"]
    assert chain[-1] == final


async def test_a_new_script_may_name_only_admitted_urls(api: Api) -> None:
    session = (await api.register())["access_token"]
    admitted = userscript(
        "1.0",
        "require https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js",
        f"require {PINNED}",
        "resource css https://unpkg.com/lib@1/lib.css",
        "resource icon data:image/png;base64,iVBORw0KGgo=",
    )
    refused_code = userscript(
        "1.0",
        "require https://cdn.jsdelivr.net@evil.example/x.js",
        "require https://cdn.jsdelivr.net/ok.js",
        "resource css http://unpkg.com/lib.css",
    )

    created = await api.send("POST", "/api/scripts", session, json={"code": admitted})
    refused = await api.send("POST", "/api/scripts", session, json={"code": refused_code})

    assert created.status_code == 201, created.text
    problem = assert_problem(refused, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["code", "code"]
    assert "https://cdn.jsdelivr.net@evil.example/x.js" in problem["errors"][0]["message"]
    assert "http://unpkg.com/lib.css" in problem["errors"][1]["message"]
    mine = await api.get("/api/users/me/scripts", session)
    assert [s["id"] for s in mine.json()["items"]] == [created.json()["id"]]


async def test_a_version_follows_the_list_as_a_moderator_changes_it(api: Api) -> None:
    session = (await api.register())["access_token"]
    moderator = await _moderator(api)
    script = await publish(api, session, code=userscript("1.0"))
    lib = "https://libs.example.net/v2/lib.js"

    before = await post_version(
        api, session, script["id"], code=userscript("1.1", f"require {lib}")
    )
    await _replace(api, moderator, [*SEEDED_PATTERNS, "https://libs.example.net/v2/"])
    listed = await post_version(
        api, session, script["id"], code=userscript("1.1", f"require {lib}")
    )
    await _replace(api, moderator, list(SEEDED_PATTERNS))
    unlisted = await post_version(
        api, session, script["id"], code=userscript("1.2", f"require {lib}")
    )
    traversal = await post_version(
        api,
        session,
        script["id"],
        code=userscript("1.2", "require https://cdn.jsdelivr.net/npm/%2e%2e/x.js#not-a-hash"),
    )

    problem = assert_problem(before, 422, "validation_error")
    assert problem["errors"][0]["field"] == "code"
    assert lib in problem["errors"][0]["message"]
    assert listed.status_code == 201, listed.text
    assert_problem(unlisted, 422, "validation_error")
    assert traversal.status_code == 201, traversal.text  # cdn.jsdelivr.net is a host pattern
    versions = await api.get(f"/api/scripts/{script['id']}/versions", session)
    assert [v["version"] for v in versions.json()["items"]] == ["1.2", "1.1", "1.0"]


async def test_a_token_publication_is_held_to_the_list_too(api: Api) -> None:
    pair = await api.verified_user()
    token = (await make_token(api, pair["access_token"]))["secret"]
    code = userscript("1.0", "require https://evil.example/x.js")

    refused = await api.send("POST", "/api/scripts", token, json={"code": code})

    assert_problem(refused, 422, "validation_error")


async def test_a_sync_naming_an_unlisted_url_fails_with_it(
    api: Api, fake_github: FakeGitHub
) -> None:
    session = (await api.register())["access_token"]
    script = await script_with_source(api, fake_github, session)
    fake_github.put_file(
        REPOSITORY, "main", FILE, userscript("1.1", "require https://evil.example/x.js")
    )

    failed = await sync_now(api, session, script["id"])
    fake_github.put_file(REPOSITORY, "main", FILE, userscript("1.1", f"require {PINNED}"))
    pinned = await sync_now(api, session, script["id"])

    assert failed["status"] == "failed"
    assert "https://evil.example/x.js" in failed["error"]
    assert (pinned["status"], pinned["version"]) == ("published", "1.1")
