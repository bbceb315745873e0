"""/api/scripts and /api/users/me/scripts through a real `scripthub serve` on both wirings."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from scripthub.domain.scripts import MAX_CODE_BYTES
from scripthub.entrypoints.http.controllers.scripts import SCRIPT_BODY_BYTES
from tests.api.client import ServedApi, assert_problem, audited_metadata
from tests.api.script_calls import (
    audited,
    installs_counted,
    post_version,
    publish,
)
from tests.userscripts import userscript

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def server_settings() -> dict[str, str]:
    """Installs are counted per client: the seeded catalogue installs from several, named
    in `X-Forwarded-For` by the test (the server's peer)."""
    return {"SCRIPTHUB_TRUSTED_PROXIES": "127.0.0.1/32"}


@pytest.fixture
def api(served_api: ServedApi) -> ServedApi:
    return served_api


async def every_page(
    api: ServedApi, path: str, token: str | None = None, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a cursor-paged list, two at a time."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page_params = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await api.get(path, token, params=page_params)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


async def test_a_script_is_created_with_its_first_version_and_audited(api: ServedApi) -> None:
    pair = await api.register()
    code = userscript("1.0", "match https://a.example/*", "antifeature ads")

    script = await publish(
        api,
        pair["access_token"],
        name="Created And Audited",
        code=code,
        description="Dark pages.",
        license="MIT",
        tags=["Dark", "theme"],
        changelog="First",
    )

    assert script["slug"] == "created-and-audited"
    assert script["owner"] == {"id": pair["user"]["id"], "username": pair["user"]["username"]}
    assert (script["license"], script["tags"], script["visibility"]) == (
        "MIT",
        ["dark", "theme"],
        "public",
    )
    assert script["antifeatures"] == ["ads"]
    assert (script["featured"], script["install_count"], script["rating_count"]) == (False, 0, 0)
    assert script["rating_avg"] is None
    assert script["latest_version"]["version"] == "1.0"
    assert script["created_at"] == script["updated_at"] == script["latest_version"]["created_at"]
    versions = (await api.get(f"/api/scripts/{script['id']}/versions")).json()["items"]
    assert [v["version"] for v in versions] == ["1.0"]
    assert versions[0]["sha256"] == script["latest_version"]["sha256"]
    assert versions[0]["size"] == len(code.encode())
    assert versions[0]["changelog"] == "First"
    assert versions[0]["widened"] is None
    assert versions[0]["metadata"]["match"] == ["https://a.example/*"]
    for action in ("script.created", "script.version_published"):
        (entry,) = await audited(api, action, script["id"])
        assert entry["actor_id"] == pair["user"]["id"]
        assert entry["resource_type"] == "script"
        assert entry["metadata"]["version"] == "1.0"


FIELD_CASES: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "nul\x00"}, "name"),
    ({"name": "rtl\u202e"}, "name"),
    ({"name": None, "code": "no block", "version": "1.0"}, "name"),
    ({"description": "x" * 5001}, "description"),
    ({"description": "esc\x1b"}, "description"),
    ({"language": "cobol"}, "language"),
    ({"language": None, "code": "no block", "version": "1.0"}, "language"),
    ({"license": "MIT license"}, "license"),
    ({"license": ""}, "license"),
    ({"tags": [f"t{n}" for n in range(11)]}, "tags"),
    ({"tags": ["Bad Tag"]}, "tags[0]"),
    ({"tags": ["ok", "x" * 33]}, "tags[1]"),
    ({"tags": "dark"}, "tags"),
    ({"tags": [1]}, "tags[0]"),
    ({"slug": "ab"}, "slug"),
    ({"slug": "x" * 65}, "slug"),
    ({"slug": "Upper-Case"}, "slug"),
    ({"slug": "new\nline"}, "slug"),
    ({"slug": "my-slug\n"}, "slug"),
    ({"visibility": "secret"}, "visibility"),
    ({"visibility": None}, "visibility"),
    ({"version": "1 0"}, "version"),
    ({"version": "2.0"}, "version"),  # the code says 1.0
    ({"version": "x" * 65, "code": "no block"}, "version"),
    ({"code": "no block"}, "version"),
    ({"code": userscript(None)}, "version"),
    ({"code": ""}, "code"),
    ({"code": "a\x00b"}, "code"),
    ({"code": 42}, "code"),
    ({"changelog": "x" * 5001}, "changelog"),
    ({"changelog": "bell\x07"}, "changelog"),
    ({"owner_id": str(uuid.uuid4())}, "owner_id"),
    ({"install_count": 1000}, "install_count"),
    ({"featured": True}, "featured"),
    ({"id": str(uuid.uuid4())}, "id"),
    ({"rating_avg": 5}, "rating_avg"),
    ({"latest_version": {"version": "9"}}, "latest_version"),
]


async def test_every_rule_of_the_script_fields_is_a_422_naming_the_field(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    base = {"name": "Dark Mode", "code": userscript(), "language": "javascript"}

    for change, field in FIELD_CASES:
        response = await api.send("POST", "/api/scripts", token, json={**base, **change})
        problem = assert_problem(response, 422, "validation_error")
        assert field in [e["field"] for e in problem["errors"]], (change, problem)
    without_code = {k: v for k, v in base.items() if k != "code"}
    response = await api.send("POST", "/api/scripts", token, json=without_code)
    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"] == [{"field": "code", "message": "is required"}]
    # Code without a metadata block cannot stand for the name or the language.
    for missing in ("name", "language"):
        body = {k: v for k, v in base.items() if k != missing}
        body.update(code="run();", version="1.0")
        response = await api.send("POST", "/api/scripts", token, json=body)
        problem = assert_problem(response, 422, "validation_error")
        assert [e["field"] for e in problem["errors"]] == [missing], problem

    assert (await api.get("/api/users/me/scripts", token)).json()["items"] == []


async def test_several_field_problems_are_reported_at_once(api: ServedApi) -> None:
    token = (await api.register())["access_token"]

    response = await api.send(
        "POST",
        "/api/scripts",
        token,
        json={"name": "", "code": "", "language": "lua", "slug": "X", "tags": ["no way"]},
    )

    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["name", "tags[0]", "slug", "code"]


async def test_values_at_the_edge_of_every_rule_pass(api: ServedApi) -> None:
    token = (await api.register())["access_token"]

    script = await publish(
        api,
        token,
        name="é" * 100,
        description="line\n\ttab\r\n" + "x" * 4989,
        slug="s" * 64,
        tags=[f"{n}-{'t' * 29}" for n in range(10)],
        license="(MIT AND BSD-2-Clause) OR GPL-2.0+",
        language="other",
        visibility="unlisted",
        version="2023-08-17_14-04+build.1~x",
        code=userscript(None),
        changelog="y" * 5000,
    )

    assert len(script["tags"]) == 10
    assert script["latest_version"]["version"] == "2023-08-17_14-04+build.1~x"
    assert (await api.get(f"/api/scripts/{'s' * 64}")).json() == script


async def test_a_slug_in_use_is_taken_and_derived_slugs_are_numbered(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    other = (await api.register())["access_token"]
    await publish(api, token, slug="my-slug")

    taken = await api.send(
        "POST",
        "/api/scripts",
        other,
        json={"name": "x", "code": userscript(), "language": "lua", "slug": "my-slug"},
    )
    derived = [(await publish(api, other, name="Slug Numbers!")).get("slug") for _ in range(3)]

    assert_problem(taken, 409, "slug_taken")
    assert derived == ["slug-numbers", "slug-numbers-2", "slug-numbers-3"]


async def test_scripts_created_at_once_get_one_slug_each(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    body = {"name": "Same Name", "code": userscript(), "language": "lua"}

    for _ in range(3):
        derived = await api.at_once(
            *(api.request("POST", "/api/scripts", token, json=body) for _ in range(3))
        )
        assert [a.status_code for a in derived] == [201] * 3, [a.text for a in derived]
    given = await api.at_once(
        *(api.request("POST", "/api/scripts", token, json={**body, "slug": "mine"}) for _ in "ab")
    )

    mine = await every_page(api, "/api/users/me/scripts", token)
    assert sorted(s["slug"] for s in mine) == sorted(
        ["mine", "same-name", *(f"same-name-{n}" for n in range(2, 10))]
    )
    assert sorted(a.status_code for a in given) == [201, 409]
    assert_problem(next(a for a in given if a.status_code == 409), 409, "slug_taken")
    created = await audited(api, "script.created", mine[0]["id"])
    assert len(created) == 1


async def test_code_of_exactly_2_mib_passes_and_one_byte_more_is_a_413(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    head = userscript("1.0")
    exact = head + "x" * (MAX_CODE_BYTES - len(head))
    body = {"name": "Big", "code": exact, "language": "javascript"}

    fits = await api.send("POST", "/api/scripts", token, json=body)
    over = await api.send("POST", "/api/scripts", token, json={**body, "code": exact + "x"})
    version_over = await post_version(
        api, token, fits.json()["id"], code=exact.replace("1.0", "1.1") + "x"
    )

    assert fits.status_code == 201, fits.text
    versions = (await api.get(f"/api/scripts/{fits.json()['id']}/versions")).json()["items"]
    assert versions[0]["size"] == MAX_CODE_BYTES
    assert_problem(over, 413, "payload_too_large")
    assert_problem(version_over, 413, "payload_too_large")


async def test_2_mib_of_code_gets_through_however_json_escapes_it(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    # Six bytes of JSON for each byte of code (\u0001), and 3 for each of "é" (\u00e9).
    controls = "\x01" * MAX_CODE_BYTES
    accents = "é" * (MAX_CODE_BYTES // 2)
    sent = []

    for code in (controls, accents):
        raw = json.dumps({"name": "Escaped", "code": code, "language": "other", "version": "1"})
        sent.append(len(raw))
        response = await api.send(
            "POST",
            "/api/scripts",
            token,
            content=raw.encode(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 201, response.text[:300]

    assert sent[0] > 12 * MIB
    assert sent[1] > 6 * MIB


async def test_a_body_past_the_route_limit_is_a_413_problem(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token)
    padding = b"a" * (SCRIPT_BODY_BYTES + 1)
    headers = {"Content-Type": "application/json"}

    create = await api.send(
        "POST", "/api/scripts", token, content=b'{"code": "' + padding + b'"}', headers=headers
    )
    version = await api.send(
        "POST",
        f"/api/scripts/{script['id']}/versions",
        token,
        content=b'{"code": "' + padding + b'"}',
        headers=headers,
    )
    elsewhere = await api.send(
        "PATCH",
        "/api/users/me",
        token,
        content=b'{"username": "' + b"a" * (MIB + 1) + b'"}',
        headers=headers,
    )

    assert_problem(create, 413, "payload_too_large")
    assert_problem(version, 413, "payload_too_large")
    assert_problem(elsewhere, 413, "payload_too_large")  # other routes keep 1 MiB


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"name": "a\xff", "code": "x", "language": "lua"}', 400),
        (b'{"name": "a", "code": "\\ud800", "language": "lua", "version": "1"}', 400),
        (b'{"name": "a", "code": "x\\u0000y", "language": "lua", "version": "1"}', 422),
        (b'{"name": "a\\u0000", "code": "x", "language": "lua", "version": "1"}', 422),
        (b'["name", "code"]', 422),
        (b'{"name": ', 400),
    ],
)
async def test_nul_invalid_utf8_and_broken_json_are_client_errors(
    api: ServedApi, raw: bytes, status: int
) -> None:
    token = (await api.register())["access_token"]
    headers = {"Content-Type": "application/json"}

    response = await api.send("POST", "/api/scripts", token, content=raw, headers=headers)

    assert_problem(response, status, "bad_request" if status == 400 else "validation_error")


async def test_creating_needs_a_token_and_scripts_create(fresh_api: ServedApi) -> None:
    # Its own server: it takes scripts.create from every user, and reads every denial.
    api = fresh_api
    admin = (await api.admin())["access_token"]
    body = {"name": "x", "code": userscript(), "language": "lua"}
    anonymous = await api.client.post("/api/scripts", json=body)
    revoked = await api.send(
        "PUT", "/api/roles/user/permissions", admin, json={"permissions": ["scripts.read"]}
    )
    assert revoked.status_code == 200, revoked.text
    member = (await api.register())["access_token"]

    refused = await api.send("POST", "/api/scripts", member, json=body)

    assert_problem(anonymous, 401, "invalid_token")
    assert_problem(refused, 403, "forbidden")
    denied = await api.get(
        "/api/audit-logs", admin, params={"action": "access.denied", "limit": 100}
    )
    assert [audited_metadata(e) for e in denied.json()["items"]] == [
        {"permission": "scripts.create"}
    ]


async def test_the_owner_publishes_a_new_version(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token, code=userscript("1.0", "grant GM_getValue"))
    code = userscript("1.1", "grant GM_getValue", "grant GM_xmlhttpRequest", "connect api.example")

    response = await post_version(api, token, script["id"], code=code, changelog="Sync")

    assert response.status_code == 201, response.text
    version = response.json()
    assert set(version) == {
        "id",
        "version",
        "changelog",
        "created_at",
        "size",
        "sha256",
        "metadata",
        "widened",
        "status",
        "review",
    }
    assert (version["status"], version["review"]) == ("published", None)
    assert (version["version"], version["changelog"]) == ("1.1", "Sync")
    assert version["metadata"]["grant"] == ["GM_getValue", "GM_xmlhttpRequest"]
    assert version["widened"] == {
        "grant": ["GM_xmlhttpRequest"],
        "connect": ["api.example"],
        "match": [],
        "require": [],
        "antifeature": [],
    }
    after = (await api.get(f"/api/scripts/{script['id']}")).json()
    assert after["latest_version"] == {
        "version": "1.1",
        "created_at": version["created_at"],
        "sha256": version["sha256"],
    }
    assert after["updated_at"] == version["created_at"]
    (entry,) = [
        e
        for e in await audited(api, "script.version_published", script["id"])
        if e["metadata"]["version"] == "1.1"
    ]
    assert entry["metadata"]["version_id"] == version["id"]


async def test_version_rules_when_publishing(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token, code=userscript("1.1a"))
    script_id = script["id"]

    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"code": userscript("1.1a")}, 409, "conflict"),
        ({"code": userscript("1.1b")}, 422, "Violentmonkey would not update from 1.1a to 1.1b"),
        ({"code": userscript("1.0")}, 422, "Tampermonkey and Violentmonkey would not update"),
        ({"code": userscript("1.2"), "version": "1.3"}, 422, "they must agree"),
        ({"code": userscript(None)}, 422, "is required"),
        ({"code": userscript("1 2")}, 422, "must be 1 to 64 characters"),
        ({"code": "", "version": "2"}, 422, "code"),
        ({"code": userscript("2"), "name": "x"}, 422, "name"),
        ({"version": "2"}, 422, "code"),
    ]
    for body, status, says in cases:
        response = await post_version(api, token, script_id, **body)
        problem = assert_problem(
            response, status, "conflict" if status == 409 else "validation_error"
        )
        if status == 422:
            assert says in json.dumps(problem), (body, problem)

    after = (await api.get(f"/api/scripts/{script_id}/versions")).json()["items"]
    assert [v["version"] for v in after] == ["1.1a"]


async def test_version_from_the_body_when_the_code_has_no_block(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token, code="print('hi')", version="1.0", language="python")

    response = await post_version(api, token, script["id"], code="print('hey')", version="1.0.1")

    assert response.status_code == 201, response.text
    assert response.json()["metadata"] is None
    assert response.json()["widened"] == {
        "grant": [],
        "connect": [],
        "match": [],
        "require": [],
        "antifeature": [],
    }


async def test_only_the_owner_publishes_and_others_learn_nothing_more(api: ServedApi) -> None:
    owner = (await api.register())["access_token"]
    stranger = (await api.register())["access_token"]
    moderator = (await api.role_holder("moderator"))["access_token"]
    public = await publish(api, owner)
    private = await publish(api, owner, name="Secret", visibility="private")
    body = {"code": userscript("2.0")}

    assert_problem(await post_version(api, stranger, public["id"], **body), 403, "forbidden")
    assert_problem(await post_version(api, moderator, public["id"], **body), 403, "forbidden")
    assert_problem(await post_version(api, moderator, private["id"], **body), 403, "forbidden")
    assert_problem(await post_version(api, stranger, private["id"], **body), 404, "not_found")
    assert_problem(
        await api.client.post(f"/api/scripts/{public['id']}/versions", json=body),
        401,
        "invalid_token",
    )
    for missing in (str(uuid.uuid4()), "not-an-id", public["slug"]):
        assert_problem(await post_version(api, owner, missing, **body), 404, "not_found")
    denied = await audited(api, "access.denied", public["id"])
    assert [audited_metadata(e) for e in denied] == [{"requires": "owner"}] * 2


async def test_the_same_version_posted_twice_at_once_is_one_201_and_one_409(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token)

    for minor in range(1, 6):
        path = f"/api/scripts/{script['id']}/versions"
        body = {"code": userscript(f"1.{minor}")}
        answers = await api.at_once(*(api.request("POST", path, token, json=body) for _ in "ab"))
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        assert_problem(next(a for a in answers if a.status_code == 409), 409, "conflict")

    versions = await every_page(api, f"/api/scripts/{script['id']}/versions")
    assert [v["version"] for v in versions] == ["1.5", "1.4", "1.3", "1.2", "1.1", "1.0"]
    published = await audited(api, "script.version_published", script["id"])
    assert sorted(e["metadata"]["version"] for e in published) == [
        "1.0",
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
    ]
    assert {e["metadata"]["version_id"] for e in published} == {v["id"] for v in versions}


async def test_different_versions_posted_at_once_both_go_in_in_order(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token)

    path = f"/api/scripts/{script['id']}/versions"
    answers = await api.at_once(
        *(api.request("POST", path, token, json={"code": userscript(v)}) for v in ("1.1", "1.2"))
    )

    statuses = sorted(a.status_code for a in answers)
    versions = [
        v["version"] for v in await every_page(api, f"/api/scripts/{script['id']}/versions")
    ]
    # 1.2 may win the race: 1.1 then comes second and is no update of it.
    assert statuses in ([201, 201], [201, 422]), [a.text for a in answers]
    assert versions == (["1.2", "1.1", "1.0"] if statuses == [201, 201] else ["1.2", "1.0"])
    latest = (await api.get(f"/api/scripts/{script['id']}")).json()["latest_version"]
    assert latest["version"] == "1.2"


async def test_who_sees_a_script(api: ServedApi) -> None:
    owner_pair = await api.register()
    owner = owner_pair["access_token"]
    stranger = (await api.register())["access_token"]
    moderator = (await api.role_holder("moderator"))["access_token"]
    scripts = {
        visibility: await publish(api, owner, name=f"{visibility} one", visibility=visibility)
        for visibility in ("public", "unlisted", "private")
    }
    private = scripts["private"]

    for token in (None, stranger, owner, moderator):
        for visibility in ("public", "unlisted"):
            for key in ("id", "slug"):
                response = await api.get(f"/api/scripts/{scripts[visibility][key]}", token)
                assert response.status_code == 200
                assert response.json()["id"] == scripts[visibility]["id"]
                versions = await api.get(
                    f"/api/scripts/{scripts[visibility]['id']}/versions", token
                )
                assert versions.status_code == 200
    for token in (owner, moderator):
        assert (await api.get(f"/api/scripts/{private['slug']}", token)).status_code == 200
        versions = await api.get(f"/api/scripts/{scripts['private']['id']}/versions", token)
        assert versions.status_code == 200
    for token in (None, stranger):
        for key in (private["slug"], private["id"]):
            assert_problem(await api.get(f"/api/scripts/{key}", token), 404, "not_found")
        assert_problem(
            await api.get(f"/api/scripts/{scripts['private']['id']}/versions", token),
            404,
            "not_found",
        )
    for key in ("nothing-here", str(uuid.uuid4()), "%00", "a%0Ab", "UPPER"):
        assert_problem(await api.get(f"/api/scripts/{key}"), 404, "not_found")
    assert_problem(await api.get("/api/scripts/not-a-uuid/versions"), 404, "not_found")
    assert owner_pair["user"]["id"] == scripts["public"]["owner"]["id"]


async def test_a_bad_token_on_a_public_read_is_a_401(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token)

    for path in (f"/api/scripts/{script['id']}", f"/api/scripts/{script['id']}/versions"):
        response = await api.get(path, token + "x")
        assert_problem(response, 401, "invalid_token")
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        other_scheme = await api.client.get(path, headers={"Authorization": "Basic eDp5"})
        assert other_scheme.status_code == 200  # not a bearer token: an anonymous read
    listing = await api.get("/api/scripts", token + "x")
    assert listing.status_code == 200  # the same for everyone: the token is not looked at


async def test_a_deleted_script_is_not_found(api: ServedApi) -> None:
    owner = await api.register()
    token = owner["access_token"]
    script = await publish(api, token, name="Deleted Soon")

    deleted = await api.send("DELETE", f"/api/scripts/{script['id']}", token)

    assert deleted.status_code == 204, deleted.text
    for path in (f"/api/scripts/{script['id']}", f"/api/scripts/{script['slug']}"):
        assert_problem(await api.get(path, token), 404, "not_found")
    assert_problem(
        await post_version(api, token, script["id"], code=userscript("2")), 404, "not_found"
    )
    listed = await api.get("/api/scripts", params={"author": owner["user"]["username"]})
    assert listed.json()["items"] == []
    assert (await api.get("/api/users/me/scripts", token)).json()["items"] == []
    again = await publish(api, token, name="Deleted Soon")
    assert again.get("slug") == "deleted-soon"  # the slug is free again


async def seed_catalogue(api: ServedApi) -> tuple[str, list[dict[str, Any]]]:
    """Seven public scripts of two authors, with ties on every order but the id, plus an
    unlisted and a private one; installs (from clients of their own), ratings and a featured
    script, through the routes that count them."""
    ada = await api.register(username="ada_lovelace")
    bob = await api.register()
    raters = [await api.register() for _ in range(2)]
    made = []
    specs = [
        (ada, "Dark Reader", ["dark", "theme"], "Dark pages."),
        (ada, "dark tweaks", ["dark"], ""),
        (bob, "Ad Blocker", ["ads"], "Blocks ads, keeps pages dark."),
        (bob, "Theme Switch", ["theme"], "Light or dark."),
        (ada, "Zebra Rows", [], "Striped tables."),
        (bob, "Árvore", ["tree"], "Dark trees."),
        (bob, "Dark Reader", ["dark"], "Another one."),
    ]
    for owner, name, tags, description in specs:
        made.append(
            await publish(api, owner["access_token"], name=name, tags=tags, description=description)
        )
    await publish(api, bob["access_token"], name="Dark hidden", visibility="unlisted")
    await publish(api, bob["access_token"], name="Dark private", visibility="private")
    new_code = userscript("1.1", "antifeature tracking", name="dark tweaks")
    response = await post_version(api, ada["access_token"], made[1]["id"], code=new_code)
    assert response.status_code == 201

    installs = {made[0]["id"]: 5, made[2]["id"]: 5, made[3]["id"]: 9}
    scores = {made[0]["id"]: [5, 4], made[3]["id"]: [5, 4], made[5]["id"]: [2]}

    for script_id, count in installs.items():
        for client in range(1, count + 1):
            forwarded = {"X-Forwarded-For": f"203.0.113.{client}"}
            installed = await api.send("GET", f"/api/scripts/{script_id}/raw", headers=forwarded)
            assert installed.status_code == 200, installed.text
    for script_id, given in scores.items():
        for rater, score in zip(raters, given, strict=False):
            path = f"/api/scripts/{script_id}/rating"
            rated = await api.send("PUT", path, rater["access_token"], json={"score": score})
            assert rated.status_code == 200, rated.text
    moderator = (await api.role_holder("moderator"))["access_token"]
    path = f"/api/scripts/{made[4]['id']}/featured"
    featured = await api.send("PUT", path, moderator, json={"featured": True})
    assert featured.status_code == 200, featured.text
    for script_id, count in installs.items():
        await installs_counted(api, script_id, count)
    return ada["user"]["username"], made


SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "newest": lambda s: datetime.fromisoformat(s["created_at"]),
    "updated": lambda s: datetime.fromisoformat(s["updated_at"]),
    "installs": lambda s: s["install_count"],
    "rating": lambda s: s["rating_avg"] or 0.0,
    "name": lambda s: s["name"].casefold(),
}


async def test_every_order_pages_through_the_catalogue_once(fresh_api: ServedApi) -> None:
    api = fresh_api  # a server of its own: the catalogue holds only the seeded scripts
    _, made = await seed_catalogue(api)
    public_ids = {s["id"] for s in made}

    for sort in ("relevance", *SORT_KEYS):
        for q in (None, "dark"):
            params = {"sort": sort, **({"q": q} if q else {})}
            paged = await every_page(api, "/api/scripts", **params)
            ids = [s["id"] for s in paged]
            whole = (await api.get("/api/scripts", params={**params, "limit": 100})).json()
            assert len(ids) == len(set(ids)), (params, ids)
            assert ids == [s["id"] for s in whole["items"]], params
            assert whole["next_cursor"] is None
            if q is None:
                assert set(ids) == public_ids, params
            if sort in SORT_KEYS:
                keys = [SORT_KEYS[sort](s) for s in paged]
                assert keys == sorted(keys, reverse=sort != "name"), (params, keys)

    dark = await every_page(api, "/api/scripts", q="dark")
    assert {s["name"] for s in dark} == {
        "Dark Reader",
        "dark tweaks",
        "Ad Blocker",
        "Theme Switch",
        "Árvore",
    }
    assert dark[0]["name"] in {"Dark Reader", "dark tweaks"}  # relevance by default with q
    newest = await every_page(api, "/api/scripts")
    assert [s["id"] for s in newest] == [s["id"] for s in reversed(made)]  # newest without


async def test_the_catalogue_filters(fresh_api: ServedApi) -> None:
    api = fresh_api  # a server of its own: the catalogue holds only the seeded scripts
    ada, made = await seed_catalogue(api)

    async def names(**params: Any) -> list[str]:
        response = await api.get("/api/scripts", params={**params, "sort": "name"})
        assert response.status_code == 200, response.text
        return [s["name"] for s in response.json()["items"]]

    assert await names(author=ada.upper()) == ["Dark Reader", "dark tweaks", "Zebra Rows"]
    assert await names(author="nobody-at-all") == []
    assert await names(author="not a username!") == []
    assert await names(tag="THEME") == ["Dark Reader", "Theme Switch"]
    assert await names(tag="none-such") == []
    assert await names(featured="true") == ["Zebra Rows"]
    assert len(await names(featured="false")) == 6
    assert await names(language="lua") == []
    assert len(await names(language="javascript")) == 7
    assert "dark tweaks" not in await names(antifeature="none")
    assert len(await names(antifeature="none")) == 6
    assert await names(q="dark", author=ada, tag="theme") == ["Dark Reader"]
    assert await names(q="arvore") == ["Árvore"]
    tweaks = next(
        s for s in (await api.get("/api/scripts", params={"q": "tweaks"})).json()["items"]
    )
    assert tweaks["antifeatures"] == ["tracking"]
    assert tweaks["id"] == made[1]["id"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "popular"},
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": "bmV3ZXN0fHh8eQ"},
        {"antifeature": "ads"},
        {"language": "cobol"},
        {"featured": "maybe"},
        {"q": "nul\x00"},
        {"q": "x" * 201},
        {"tag": "tab\t"},
        {"author": "esc\x1b"},
    ],
)
async def test_bad_catalogue_parameters_are_400s(api: ServedApi, params: dict[str, Any]) -> None:
    response = await api.get("/api/scripts", params=params)

    assert_problem(response, 400, "bad_request")


async def test_a_cursor_belongs_to_its_order(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    for number in range(3):
        await publish(api, token, name=f"Script {number}")
    first = (await api.get("/api/scripts", params={"limit": 1})).json()
    version_cursor = (
        await api.get(f"/api/scripts/{first['items'][0]['id']}/versions", params={"limit": 1})
    ).json()["next_cursor"]

    other_order = await api.get(
        "/api/scripts", params={"sort": "installs", "cursor": first["next_cursor"]}
    )
    versions_cursor = await api.get(
        f"/api/scripts/{first['items'][0]['id']}/versions", params={"cursor": first["next_cursor"]}
    )

    assert version_cursor is None
    assert_problem(other_order, 400, "bad_request")
    assert_problem(versions_cursor, 400, "bad_request")


async def test_ones_own_scripts_in_every_visibility_newest_first(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    other = (await api.register())["access_token"]
    made = [
        await publish(api, token, name=f"{visibility} one", visibility=visibility)
        for visibility in ("public", "unlisted", "private", "public")
    ]
    await publish(api, other, name="Someone else's")

    mine = await every_page(api, "/api/users/me/scripts", token)

    assert [s["id"] for s in mine] == [s["id"] for s in reversed(made)]
    assert_problem(await api.get("/api/users/me/scripts"), 401, "invalid_token")
    assert_problem(
        await api.get("/api/users/me/scripts", token, params={"cursor": "x"}), 400, "bad_request"
    )


async def test_versions_page_newest_first(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token)
    for minor in range(1, 5):
        response = await post_version(api, token, script["id"], code=userscript(f"1.{minor}"))
        assert response.status_code == 201

    versions = await every_page(api, f"/api/scripts/{script['id']}/versions")

    assert [v["version"] for v in versions] == ["1.4", "1.3", "1.2", "1.1", "1.0"]
    moments = [datetime.fromisoformat(v["created_at"]) for v in versions]
    assert moments == sorted(moments, reverse=True)
    assert_problem(
        await api.get(f"/api/scripts/{script['id']}/versions", params={"limit": 101}),
        400,
        "bad_request",
    )


async def test_options_and_the_openapi_document(api: ServedApi) -> None:
    token = (await api.register())["access_token"]
    script = await publish(api, token)
    document = (await api.client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]

    listing = await api.client.options("/api/scripts")
    one = await api.client.options(f"/api/scripts/{script['id']}")
    versions = await api.client.options(f"/api/scripts/{script['id']}/versions")

    assert listing.headers["allow"] == "GET, OPTIONS, POST"
    assert one.headers["allow"] == "DELETE, GET, OPTIONS, PATCH"
    assert versions.headers["allow"] == "GET, OPTIONS, POST"
    assert schemas["NewScriptBody"]["additionalProperties"] is False
    assert schemas["NewVersionBody"]["additionalProperties"] is False
    get_script = document["paths"]["/api/scripts/{id_or_slug}"]["get"]
    assert get_script["security"] == [{"bearer": []}, {}]
    assert document["paths"]["/api/scripts"]["post"]["security"] == [{"bearer": []}]
