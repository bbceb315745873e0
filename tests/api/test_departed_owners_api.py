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
