"""Editing, deleting, featuring and rating scripts over HTTP, on both wirings."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from scripthub.domain.scripts import Script, Visibility
from tests.api.client import Api, assert_problem
from tests.unit.world import add_script

SCRIPT_FIELDS = {
    "id", "slug", "name", "description", "language", "license", "visibility", "tags",
    "featured", "owner", "latest_version", "antifeatures", "install_count", "rating_avg",
    "rating_count", "created_at", "updated_at",
}  # fmt: skip
EVERY_ROUTE = [
    ("PATCH", "", {"name": "x"}),
    ("DELETE", "", None),
    ("PUT", "/featured", {"featured": True}),
    ("PUT", "/rating", {"score": 5}),
    ("DELETE", "/rating", None),
]
"""Each route of a script: (method, path after `/api/scripts/{id}`, a valid body)."""


async def published(
    api: Api, owner: dict[str, Any], name: str = "Dark Mode", **fields: Any
) -> Script:
    """A script of `owner` with its first version, staged through the app's own unit of work
    on the app's event loop (the publishing route is built apart)."""

    async def add() -> Script:
        owner_id = uuid.UUID(owner["user"]["id"])
        return await add_script(api.container.adapters.unit_of_work, owner_id, name, **fields)

    script: Script = api.client.blocking_portal.call(add)
    return script


def stored(api: Api, script: Script) -> Script | None:
    async def read() -> Script | None:
        async with api.container.adapters.unit_of_work() as uow:
            return await uow.scripts.get(script.id)

    found: Script | None = api.client.blocking_portal.call(read)
    return found


async def moderator(api: Api, role: str = "moderator") -> dict[str, Any]:
    pair = await api.register()
    await api.grant_role(pair["user"]["email"], role)
    return await login(api, pair)


async def login(api: Api, pair: dict[str, Any]) -> dict[str, Any]:
    """A fresh token pair: one minted before a grant carries the old permissions."""
    body = {"email": pair["user"]["email"], "password": pair["password"]}
    response = await api.client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    fresh: dict[str, Any] = {**response.json(), "password": pair["password"]}
    return fresh


async def audited(api: Api, action: str, resource_id: object) -> list[dict[str, Any]]:
    admin = await api.admin()
    response = await api.get(
        "/api/audit-logs",
        admin["access_token"],
        params={"action": action, "resource_id": str(resource_id)},
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def patch(api: Api, script: Script, token: str, body: Any) -> Any:
    return await api.send("PATCH", f"/api/scripts/{script.id}", token, json=body)


# Editing.


async def test_the_owner_edits_a_script(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner)

    response = await patch(
        api,
        script,
        owner["access_token"],
        {
            "name": "Darker Mode",
            "slug": "darker-mode",
            "description": "Even darker.",
            "language": "css",
            "license": None,
            "visibility": "unlisted",
            "tags": ["Night", "dark"],
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == SCRIPT_FIELDS
    assert {k: body[k] for k in ("name", "slug", "description", "language", "visibility")} == {
        "name": "Darker Mode",
        "slug": "darker-mode",
        "description": "Even darker.",
        "language": "css",
        "visibility": "unlisted",
    }
    assert (body["license"], body["tags"]) == (None, ["night", "dark"])
    assert body["owner"] == {"id": owner["user"]["id"], "username": owner["user"]["username"]}
    assert body["latest_version"]["version"] == "1.0"
    again = stored(api, script)
    assert again is not None
    assert (again.slug, again.tags, again.license) == ("darker-mode", ["night", "dark"], None)
    [entry] = await audited(api, "script.updated", script.id)
    assert entry["actor_id"] == owner["user"]["id"]
    assert entry["metadata"] == {
        "fields": ["description", "language", "license", "name", "slug", "tags", "visibility"]
    }


async def test_fields_at_their_limits_are_accepted(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner)
    body = {
        "name": "n" * 100,
        "slug": "s" * 64,
        "description": "d" * 5000,
        "tags": [f"tag-{n}" for n in range(10)],
        "license": "Apache-2.0 OR MIT",
    }

    response = await patch(api, script, owner["access_token"], body)

    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in body} == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": None}, "name"),
        ({"name": 5}, "name"),
        ({"slug": "ab"}, "slug"),
        ({"slug": "s" * 65}, "slug"),
        ({"slug": "Not_A_Slug"}, "slug"),
        ({"description": "d" * 5001}, "description"),
        ({"language": "cobol"}, "language"),
        ({"license": "not a license"}, "license"),
        ({"visibility": "secret"}, "visibility"),
        ({"tags": "dark"}, "tags"),
        ({"tags": ["t" * 33]}, "tags[0]"),
        ({"tags": ["ok", "not ok"]}, "tags[1]"),
        ({"tags": [f"t{n}" for n in range(11)]}, "tags"),
        ({"colour": "red"}, "colour"),
        ({"owner_id": str(uuid.uuid4())}, "owner_id"),
        ({"install_count": 1000}, "install_count"),
        ({"featured": True}, "featured"),
        ({"id": str(uuid.uuid4())}, "id"),
        (["name"], "body"),
    ],
)
async def test_every_field_rule_is_a_422_naming_the_field(api: Api, body: Any, field: str) -> None:
    owner = await api.register()
    script = await published(api, owner)

    problem = assert_problem(
        await patch(api, script, owner["access_token"], body), 422, "validation_error"
    )

    assert field in [error["field"] for error in problem["errors"]], problem
    assert stored(api, script) == script


async def test_a_slug_in_use_is_409(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner, "First")
    await published(api, await api.register(), "Second")

    response = await patch(api, script, owner["access_token"], {"slug": "second"})

    assert_problem(response, 409, "slug_taken")
    assert stored(api, script) == script


async def test_a_moderator_edits_someone_elses_script(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner, visibility=Visibility.PRIVATE)
    mod = await moderator(api)

    response = await patch(api, script, mod["access_token"], {"description": "Tidied."})

    assert response.status_code == 200, response.text
    [entry] = await audited(api, "script.updated", script.id)
    assert entry["actor_id"] == mod["user"]["id"]
    assert entry["metadata"] == {"fields": ["description"], "owner_id": owner["user"]["id"]}


async def test_a_stranger_is_forbidden_and_the_denial_audited(api: Api) -> None:
    script = await published(api, await api.register())
    stranger = await api.register()
    token = stranger["access_token"]

    assert_problem(await patch(api, script, token, {"name": "Mine"}), 403, "forbidden")
    assert_problem(await api.send("DELETE", f"/api/scripts/{script.id}", token), 403, "forbidden")
    assert_problem(
        await api.send("PUT", f"/api/scripts/{script.id}/featured", token, json={"featured": True}),
        403,
        "forbidden",
    )

    denied = await audited(api, "access.denied", script.id)
    assert sorted(e["metadata"]["permission"] for e in denied) == [
        "scripts.delete_any",
        "scripts.featured",
        "scripts.update_any",
    ]
    assert {e["actor_id"] for e in denied} == {stranger["user"]["id"]}
    assert stored(api, script) == script


async def test_the_routes_need_a_bearer_token(api: Api) -> None:
    script = await published(api, await api.register())
    for method, suffix, body in EVERY_ROUTE:
        response = await api.send(method, f"/api/scripts/{script.id}{suffix}", json=body)
        assert_problem(response, 401, "invalid_token")


async def test_a_private_script_is_404_to_strangers_on_every_route(api: Api) -> None:
    script = await published(api, await api.register(), visibility=Visibility.PRIVATE)
    stranger = await moderator(api, "premium_user")  # holds scripts.featured
    token = stranger["access_token"]
    for method, suffix, body in EVERY_ROUTE:
        response = await api.send(method, f"/api/scripts/{script.id}{suffix}", token, json=body)
        assert_problem(response, 404, "not_found")
    assert await audited(api, "access.denied", script.id) == []


async def test_a_slug_or_an_unknown_id_in_the_path_is_404(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner, "By Slug")
    token = owner["access_token"]

    for path in (f"/api/scripts/{script.slug}", f"/api/scripts/{uuid.uuid4()}"):
        assert_problem(await api.send("PATCH", path, token, json={"name": "x"}), 404, "not_found")
        assert_problem(await api.send("DELETE", path, token), 404, "not_found")
        assert_problem(
            await api.send("PUT", f"{path}/rating", token, json={"score": 3}), 404, "not_found"
        )


# Deleting.


async def test_a_deleted_script_is_404_and_its_slug_free(api: Api) -> None:
    owner = await api.register()
    token = owner["access_token"]
    script = await published(api, owner, "Gone Soon")
    other = await published(api, owner, "Other")
    path = f"/api/scripts/{script.id}"

    response = await api.send("DELETE", path, token)

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert stored(api, script) is None
    assert_problem(await api.send("DELETE", path, token), 404, "not_found")
    assert_problem(await api.send("PATCH", path, token, json={"name": "x"}), 404, "not_found")
    rater = await api.register()
    assert_problem(
        await api.send("PUT", f"{path}/rating", rater["access_token"], json={"score": 4}),
        404,
        "not_found",
    )
    renamed = await patch(api, other, token, {"slug": "gone-soon"})
    assert renamed.status_code == 200, renamed.text
    [entry] = await audited(api, "script.deleted", script.id)
    assert (entry["actor_id"], entry["metadata"]) == (owner["user"]["id"], {})


async def test_a_moderator_deletes_someone_elses_script(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner)
    mod = await moderator(api)

    response = await api.send("DELETE", f"/api/scripts/{script.id}", mod["access_token"])

    assert response.status_code == 204, response.text
    assert stored(api, script) is None
    [entry] = await audited(api, "script.deleted", script.id)
    assert entry["metadata"] == {"owner_id": owner["user"]["id"]}


# Featuring.


async def test_featuring_needs_scripts_featured(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner)
    path = f"/api/scripts/{script.id}/featured"

    own = await api.send("PUT", path, owner["access_token"], json={"featured": True})
    assert_problem(own, 403, "forbidden")

    mod = await moderator(api)
    response = await api.send("PUT", path, mod["access_token"], json={"featured": True})
    assert response.status_code == 200, response.text
    assert response.json()["featured"] is True
    assert response.json()["updated_at"] == own_updated_at(script)
    unfeatured = await api.send("PUT", path, mod["access_token"], json={"featured": False})
    assert unfeatured.json()["featured"] is False

    entries = await audited(api, "script.featured", script.id)
    assert sorted((e["metadata"]["featured"], e["metadata"]["owner_id"]) for e in entries) == [
        (False, owner["user"]["id"]),
        (True, owner["user"]["id"]),
    ]


def own_updated_at(script: Script) -> str:
    return script.updated_at.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("body", [{}, {"featured": "yes"}, {"featured": None}, {"featured": 1}])
async def test_a_bad_featured_body_is_422(api: Api, body: dict[str, Any]) -> None:
    script = await published(api, await api.register())
    mod = await moderator(api)

    response = await api.send(
        "PUT", f"/api/scripts/{script.id}/featured", mod["access_token"], json=body
    )

    assert_problem(response, 422, "validation_error")


# Rating.


async def rate(api: Api, script: Script, pair: dict[str, Any], score: Any) -> Any:
    return await api.send(
        "PUT", f"/api/scripts/{script.id}/rating", pair["access_token"], json={"score": score}
    )


async def test_ratings_average_with_two_decimals_and_replace(api: Api) -> None:
    script = await published(api, await api.register())
    raters = [await api.register() for _ in range(3)]

    assert (await rate(api, script, raters[0], 5)).json() == {
        "rating_avg": 5.0,
        "rating_count": 1,
        "my_score": 5,
    }
    await rate(api, script, raters[1], 4)
    third = await rate(api, script, raters[2], 4)
    assert third.status_code == 200, third.text
    assert third.json() == {"rating_avg": 4.33, "rating_count": 3, "my_score": 4}
    replaced = await rate(api, script, raters[2], 1)
    assert replaced.json() == {"rating_avg": 3.33, "rating_count": 3, "my_score": 1}
    again = stored(api, script)
    assert again is not None
    assert (again.rating_sum, again.rating_count) == (10, 3)
    assert await audited(api, "script.updated", script.id) == []


async def test_unrating_removes_the_score_and_is_idempotent(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner)
    raters = [await api.register() for _ in range(2)]
    await rate(api, script, raters[0], 2)
    await rate(api, script, raters[1], 5)
    path = f"/api/scripts/{script.id}/rating"

    removed = await api.send("DELETE", path, raters[0]["access_token"])
    assert removed.status_code == 204, removed.text
    assert (await api.send("DELETE", path, raters[0]["access_token"])).status_code == 204
    assert (await api.send("DELETE", path, owner["access_token"])).status_code == 204

    again = stored(api, script)
    assert again is not None
    assert (again.rating_avg, again.rating_count) == (5.0, 1)


async def test_owners_cannot_rate_their_own_script(api: Api) -> None:
    owner = await api.register()
    script = await published(api, owner)

    assert_problem(await rate(api, script, owner, 5), 403, "forbidden")
    assert stored(api, script).rating_count == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("score", [0, 6, -1, 2.5, "5", None, True])
async def test_a_score_that_is_not_an_integer_from_one_to_five_is_422(api: Api, score: Any) -> None:
    script = await published(api, await api.register())

    problem = assert_problem(
        await rate(api, script, await api.register(), score), 422, "validation_error"
    )

    assert [error["field"] for error in problem["errors"]] == ["score"]
    assert stored(api, script).rating_count == 0  # type: ignore[union-attr]
