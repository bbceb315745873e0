"""Editing, deleting, featuring and rating scripts through a real `scripthub serve`, on both
wirings."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.client import ServedApi, assert_problem, audited_metadata
from tests.api.script_calls import audited, publish

SCRIPT_FIELDS = {
    "id", "slug", "name", "description", "language", "license", "visibility", "tags",
    "featured", "owner", "authors", "latest_version", "latest_beta", "antifeatures", "localized",
    "install_count",
    "rating_avg", "rating_count", "created_at", "updated_at",
}  # fmt: skip
EVERY_ROUTE = [
    ("PATCH", "", {"name": "x"}),
    ("DELETE", "", None),
    ("PUT", "/featured", {"featured": True}),
    ("PUT", "/rating", {"score": 5}),
    ("DELETE", "/rating", None),
]
"""Each route of a script: (method, path after `/api/scripts/{id}`, a valid body)."""


@pytest.fixture
def api(served_api: ServedApi) -> ServedApi:
    return served_api


async def published(
    api: ServedApi, owner: dict[str, Any], name: str = "Dark Mode", **fields: Any
) -> dict[str, Any]:
    """A script of `owner`, published with its first version."""
    return await publish(
        api,
        owner["access_token"],
        name=name,
        description="Makes every page dark.",
        license="MIT",
        tags=["dark", "theme"],
        **fields,
    )


async def stored(api: ServedApi, script: dict[str, Any]) -> dict[str, Any] | None:
    """The (public) script as anyone now reads it; None once it is gone."""
    response = await api.get(f"/api/scripts/{script['id']}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def patch(api: ServedApi, script: dict[str, Any], token: str, body: Any) -> Any:
    return await api.send("PATCH", f"/api/scripts/{script['id']}", token, json=body)


# Editing.


async def test_the_owner_edits_a_script(api: ServedApi) -> None:
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
    again = await stored(api, script)
    assert again is not None
    assert (again["slug"], again["tags"], again["license"]) == (
        "darker-mode",
        ["night", "dark"],
        None,
    )
    [entry] = await audited(api, "script.updated", script["id"])
    assert entry["actor_id"] == owner["user"]["id"]
    assert audited_metadata(entry) == {
        "fields": ["description", "language", "license", "name", "slug", "tags", "visibility"]
    }


async def test_fields_at_their_limits_are_accepted(api: ServedApi) -> None:
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
async def test_every_field_rule_is_a_422_naming_the_field(
    api: ServedApi, body: Any, field: str
) -> None:
    owner = await api.register()
    script = await published(api, owner)

    problem = assert_problem(
        await patch(api, script, owner["access_token"], body), 422, "validation_error"
    )

    assert field in [error["field"] for error in problem["errors"]], problem
    assert await stored(api, script) == script


async def test_a_slug_in_use_is_409(api: ServedApi) -> None:
    owner = await api.register()
    script = await published(api, owner, "First")
    await published(api, await api.register(), "Second")

    response = await patch(api, script, owner["access_token"], {"slug": "second"})

    assert_problem(response, 409, "slug_taken")
    assert await stored(api, script) == script


async def test_a_moderator_edits_someone_elses_script(api: ServedApi) -> None:
    owner = await api.register()
    script = await published(api, owner, visibility="private")
    mod = await api.role_holder("moderator")

    response = await patch(api, script, mod["access_token"], {"description": "Tidied."})

    assert response.status_code == 200, response.text
    [entry] = await audited(api, "script.updated", script["id"])
    assert entry["actor_id"] == mod["user"]["id"]
    assert audited_metadata(entry) == {"fields": ["description"], "owner_id": owner["user"]["id"]}


async def test_a_stranger_is_forbidden_and_the_denial_audited(api: ServedApi) -> None:
    script = await published(api, await api.register())
    stranger = await api.register()
    token = stranger["access_token"]

    assert_problem(await patch(api, script, token, {"name": "Mine"}), 403, "forbidden")
    assert_problem(
        await api.send("DELETE", f"/api/scripts/{script['id']}", token), 403, "forbidden"
    )
    assert_problem(
        await api.send(
            "PUT", f"/api/scripts/{script['id']}/featured", token, json={"featured": True}
        ),
        403,
        "forbidden",
    )

    denied = await audited(api, "access.denied", script["id"])
    assert sorted(e["metadata"]["permission"] for e in denied) == [
        "scripts.delete_any",
        "scripts.featured",
        "scripts.update_any",
    ]
    assert {e["actor_id"] for e in denied} == {stranger["user"]["id"]}
    assert await stored(api, script) == script


async def test_the_routes_need_a_bearer_token(api: ServedApi) -> None:
    script = await published(api, await api.register())
    for method, suffix, body in EVERY_ROUTE:
        response = await api.send(method, f"/api/scripts/{script['id']}{suffix}", json=body)
        assert_problem(response, 401, "invalid_token")


async def test_a_private_script_is_404_to_strangers_on_every_route(api: ServedApi) -> None:
    script = await published(api, await api.register(), visibility="private")
    stranger = await api.role_holder("premium_user")  # holds scripts.featured
    token = stranger["access_token"]
    for method, suffix, body in EVERY_ROUTE:
        response = await api.send(method, f"/api/scripts/{script['id']}{suffix}", token, json=body)
        assert_problem(response, 404, "not_found")
    assert await audited(api, "access.denied", script["id"]) == []


async def test_a_slug_or_an_unknown_id_in_the_path_is_404(api: ServedApi) -> None:
    owner = await api.register()
    script = await published(api, owner, "By Slug")
    token = owner["access_token"]

    for path in (f"/api/scripts/{script['slug']}", f"/api/scripts/{uuid.uuid4()}"):
        assert_problem(await api.send("PATCH", path, token, json={"name": "x"}), 404, "not_found")
        assert_problem(await api.send("DELETE", path, token), 404, "not_found")
        assert_problem(
            await api.send("PUT", f"{path}/rating", token, json={"score": 3}), 404, "not_found"
        )


# Deleting.


async def test_a_deleted_script_is_404_and_its_slug_free(api: ServedApi) -> None:
    owner = await api.register()
    token = owner["access_token"]
    script = await published(api, owner, "Gone Soon")
    other = await published(api, owner, "Other")
    path = f"/api/scripts/{script['id']}"

    response = await api.send("DELETE", path, token)

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert await stored(api, script) is None
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
    [entry] = await audited(api, "script.deleted", script["id"])
    assert (entry["actor_id"], audited_metadata(entry)) == (owner["user"]["id"], {})


async def test_a_moderator_deletes_someone_elses_script(api: ServedApi) -> None:
    owner = await api.register()
    script = await published(api, owner)
    mod = await api.role_holder("moderator")

    response = await api.send("DELETE", f"/api/scripts/{script['id']}", mod["access_token"])

    assert response.status_code == 204, response.text
    assert await stored(api, script) is None
    [entry] = await audited(api, "script.deleted", script["id"])
    assert audited_metadata(entry) == {"owner_id": owner["user"]["id"]}


# Featuring.


async def test_featuring_needs_scripts_featured(api: ServedApi) -> None:
    owner = await api.register()
    script = await published(api, owner)
    path = f"/api/scripts/{script['id']}/featured"

    own = await api.send("PUT", path, owner["access_token"], json={"featured": True})
    assert_problem(own, 403, "forbidden")

    mod = await api.role_holder("moderator")
    response = await api.send("PUT", path, mod["access_token"], json={"featured": True})
    assert response.status_code == 200, response.text
    assert response.json()["featured"] is True
    assert response.json()["updated_at"] == script["updated_at"]
    unfeatured = await api.send("PUT", path, mod["access_token"], json={"featured": False})
    assert unfeatured.json()["featured"] is False

    entries = await audited(api, "script.featured", script["id"])
    assert sorted((e["metadata"]["featured"], e["metadata"]["owner_id"]) for e in entries) == [
        (False, owner["user"]["id"]),
        (True, owner["user"]["id"]),
    ]


@pytest.mark.parametrize("body", [{}, {"featured": "yes"}, {"featured": None}, {"featured": 1}])
async def test_a_bad_featured_body_is_422(api: ServedApi, body: dict[str, Any]) -> None:
    script = await published(api, await api.register())
    mod = await api.role_holder("moderator")

    response = await api.send(
        "PUT", f"/api/scripts/{script['id']}/featured", mod["access_token"], json=body
    )

    assert_problem(response, 422, "validation_error")


# Rating.


async def rate(api: ServedApi, script: dict[str, Any], pair: dict[str, Any], score: Any) -> Any:
    return await api.send(
        "PUT", f"/api/scripts/{script['id']}/rating", pair["access_token"], json={"score": score}
    )


async def test_ratings_average_with_two_decimals_and_replace(api: ServedApi) -> None:
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
    again = await stored(api, script)
    assert again is not None
    assert (again["rating_avg"], again["rating_count"]) == (3.33, 3)  # 10 in all
    assert await audited(api, "script.updated", script["id"]) == []


async def test_unrating_removes_the_score_and_is_idempotent(api: ServedApi) -> None:
    owner = await api.register()
    script = await published(api, owner)
    raters = [await api.register() for _ in range(2)]
    await rate(api, script, raters[0], 2)
    await rate(api, script, raters[1], 5)
    path = f"/api/scripts/{script['id']}/rating"

    removed = await api.send("DELETE", path, raters[0]["access_token"])
    assert removed.status_code == 204, removed.text
    assert (await api.send("DELETE", path, raters[0]["access_token"])).status_code == 204
    assert (await api.send("DELETE", path, owner["access_token"])).status_code == 204

    again = await stored(api, script)
    assert again is not None
    assert (again["rating_avg"], again["rating_count"]) == (5.0, 1)


async def test_owners_cannot_rate_their_own_script(api: ServedApi) -> None:
    owner = await api.register()
    script = await published(api, owner)

    assert_problem(await rate(api, script, owner, 5), 403, "forbidden")
    assert await stored(api, script) == script  # still unrated


@pytest.mark.parametrize("score", [0, 6, -1, 2.5, "5", None, True])
async def test_a_score_that_is_not_an_integer_from_one_to_five_is_422(
    api: ServedApi, score: Any
) -> None:
    script = await published(api, await api.register())

    problem = assert_problem(
        await rate(api, script, await api.register(), score), 422, "validation_error"
    )

    assert [error["field"] for error in problem["errors"]] == ["score"]
    assert await stored(api, script) == script  # still unrated


async def test_a_strictly_read_body_lists_every_problem(api: ServedApi) -> None:
    script = await published(api, await api.register())
    rater = await api.register()

    response = await api.send(
        "PUT",
        f"/api/scripts/{script['id']}/rating",
        rater["access_token"],
        json={"score": "5", "comment": "nice"},
    )

    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"] == [
        {"field": "score", "message": "Expected `int`, got `str`"},
        {"field": "comment", "message": "is not an accepted field"},
    ]
