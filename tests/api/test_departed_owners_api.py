"""Owners who are gone, and authors who lost the right to publish, in-process on both
wirings: a suspended owner's scripts are hidden, a deleted owner's scripts go with the account,
a deleted account's username waits 30 days, and publishing or editing needs `scripts.create`
every time."""

from __future__ import annotations

from typing import Any

from tests.api.client import Api, assert_problem
from tests.api.script_calls import post_version, publish
from tests.userscripts import userscript


async def without_roles(api: Api, user: dict[str, Any]) -> dict[str, Any]:
    """`user` after an admin revoked its only role, signed in again."""
    admin = (await api.role_holder("admin"))["access_token"]
    user_id = user["user"]["id"]
    response = await api.send("DELETE", f"/api/users/{user_id}/roles/user", admin)
    assert response.status_code == 204, response.text
    return user


async def test_without_scripts_create_an_owner_neither_publishes_nor_edits(api: Api) -> None:
    author = await api.register()
    script = await publish(api, author["access_token"])
    await without_roles(api, author)
    token = author["access_token"]

    posted = await post_version(api, token, script["id"], code=userscript("1.1"))
    edited = await api.send("PATCH", f"/api/scripts/{script['id']}", token, json={"name": "X"})

    assert_problem(posted, 403, "forbidden")
    assert_problem(edited, 403, "forbidden")
    current = (await api.get(f"/api/scripts/{script['id']}")).json()
    assert (current["name"], current["latest_version"]["version"]) == ("Dark Mode", "1.0")


async def set_status(api: Api, user: dict[str, Any], status: str) -> None:
    admin = (await api.role_holder("admin"))["access_token"]
    path = f"/api/users/{user['user']['id']}/status"
    response = await api.send("PATCH", path, admin, json={"account_status": status})
    assert response.status_code == 200, response.text


def script_paths(script: dict[str, Any]) -> list[str]:
    """Every route that reads the script, by id and by slug."""
    paths = [f"/api/scripts/{script['id']}/versions", f"/api/scripts/{script['id']}/meta"]
    for name in (script["id"], script["slug"]):
        paths += [
            f"/api/scripts/{name}",
            f"/api/scripts/{name}/raw",
            f"/api/scripts/{name}/versions/1.0/raw",
            f"/api/scripts/{script['id']}/{script['slug']}.user.js",
            f"/api/scripts/{name}/{script['slug']}.meta.js",
        ]
    return paths


async def listed_ids(api: Api, **params: Any) -> set[str]:
    response = await api.get("/api/scripts", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def test_a_suspended_owners_scripts_are_gone_until_the_owner_is_back(api: Api) -> None:
    author = await api.register()
    script = await publish(api, author["access_token"], name="Hidden Gem")
    raw = f"/api/scripts/{script['id']}/raw"
    current = {"If-None-Match": (await api.get(raw)).headers["etag"]}
    assert (await api.send("GET", raw, headers=current)).status_code == 304  # cached for checks
    search = {"q": "hidden gem", "author": author["user"]["username"]}

    await set_status(api, author, "suspended")

    for path in script_paths(script):
        assert_problem(await api.get(path), 404, "not_found")
    assert_problem(await api.send("GET", raw, headers=current), 404, "not_found")
    assert script["id"] not in await listed_ids(api)
    assert not await listed_ids(api, **search)
    moderator = (await api.role_holder("moderator"))["access_token"]
    assert (await api.get(f"/api/scripts/{script['id']}", moderator)).status_code == 200
    seen = await api.get(raw, moderator)
    assert (seen.status_code, seen.headers["cache-control"]) == (200, "private, no-cache")

    await set_status(api, author, "active")

    for path in script_paths(script):
        assert (await api.get(path)).status_code == 200, path
    assert (await api.send("GET", raw, headers=current)).status_code == 304
    assert script["id"] in await listed_ids(api)
    assert await listed_ids(api, **search) == {script["id"]}
