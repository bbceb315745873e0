"""Owners who are gone, and authors who lost the right to publish, in-process on both
wirings: a suspended owner's scripts are hidden, a deleted owner's scripts go with the account,
a deleted account's username waits 30 days, and publishing or editing needs `scripts.create`
every time."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tests.api.client import Api, assert_problem, audited_metadata
from tests.api.script_calls import audited, post_version, publish
from tests.userscripts import userscript

if TYPE_CHECKING:
    import httpx


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


async def delete_account(api: Api, user: dict[str, Any]) -> httpx.Response:
    return await api.send(
        "DELETE", "/api/users/me", user["access_token"], json={"password": user["password"]}
    )


async def test_a_deleted_accounts_scripts_are_deleted_with_it_and_audited(api: Api) -> None:
    author = await api.register()
    token = author["access_token"]
    scripts = [
        await publish(api, token, name="Kept Nowhere"),
        await publish(api, token, name="Private One", visibility="private"),
    ]
    raw = f"/api/scripts/{scripts[0]['id']}/raw"
    current = {"If-None-Match": (await api.get(raw)).headers["etag"]}

    assert (await delete_account(api, author)).status_code == 204

    moderator = (await api.role_holder("moderator"))["access_token"]
    for script in scripts:
        assert_problem(await api.get(f"/api/scripts/{script['id']}", moderator), 404, "not_found")
        [entry] = await audited(api, "script.deleted", script["id"])
        assert (entry["actor_id"], entry["outcome"]) == (author["user"]["id"], "success")
        assert audited_metadata(entry) == {"with_account": True}
    assert_problem(await api.send("GET", raw, headers=current), 404, "not_found")
    assert scripts[0]["id"] not in await listed_ids(api)
    other = await api.register()
    again = await publish(api, other["access_token"], slug=scripts[0]["slug"])
    assert again["slug"] == scripts[0]["slug"]


async def test_a_deleted_accounts_username_is_not_taken_by_a_new_account(api: Api) -> None:
    gone = await api.register()
    username = gone["user"]["username"]
    assert (await delete_account(api, gone)).status_code == 204
    other = await api.register()

    body = {"email": gone["user"]["email"], "username": username.upper(), "password": "x" * 12}
    taken = await api.client.post("/api/auth/register", json=body)
    rename = {"username": username.upper()}
    renamed = await api.send("PATCH", "/api/users/me", other["access_token"], json=rename)

    assert_problem(taken, 409, "username_taken")
    assert_problem(renamed, 409, "username_taken")
    assert (await api.register(email=gone["user"]["email"]))["user"]["email"] == body["email"]


ROUNDS = 8
"""How often each race is run."""


def live_script_ids(api: Api, owner: dict[str, Any]) -> list[str]:
    """What the store holds as live scripts of `owner`, read past the API."""

    async def read() -> list[str]:
        uow_factory = api.container.use_cases.uow_factory()
        async with uow_factory() as uow:
            names = await uow.scripts.names_owned_by(uuid.UUID(owner["user"]["id"]))
        return [str(name.id) for name in names]

    found: list[str] = api.client.blocking_portal.call(read)
    return found


async def test_a_deletion_racing_publications_leaves_nothing_of_the_account_live(
    api: Api,
) -> None:
    for _ in range(ROUNDS):
        author = await api.register()
        token = author["access_token"]
        script = await publish(api, token)
        body = {"name": "Last Minute", "code": userscript(), "language": "javascript"}

        deletion, version, created = await api.at_once(
            api.request("DELETE", "/api/users/me", token, json={"password": author["password"]}),
            api.request(
                "POST",
                f"/api/scripts/{script['id']}/versions",
                token,
                json={"code": userscript("1.1")},
            ),
            api.request("POST", "/api/scripts", token, json=body),
        )

        assert deletion.status_code == 204, deletion.text
        assert version.status_code in {201, 401, 404}, version.text
        assert created.status_code in {201, 401, 404}, created.text
        assert live_script_ids(api, author) == []
        deleted = [script["id"]] + ([created.json()["id"]] if created.status_code == 201 else [])
        for script_id in deleted:
            assert len(await audited(api, "script.deleted", script_id)) == 1
        published = await audited(api, "script.version_published", script["id"])
        assert len(published) == (2 if version.status_code == 201 else 1)


async def test_a_suspension_racing_a_publication_is_told_by_the_audit_trail(api: Api) -> None:
    admin = (await api.role_holder("admin"))["access_token"]
    for _ in range(ROUNDS):
        author = await api.register()
        token = author["access_token"]
        script = await publish(api, token)

        suspension, version = await api.at_once(
            api.request(
                "PATCH",
                f"/api/users/{author['user']['id']}/status",
                admin,
                json={"account_status": "suspended"},
            ),
            api.request(
                "POST",
                f"/api/scripts/{script['id']}/versions",
                token,
                json={"code": userscript("1.1")},
            ),
        )

        assert suspension.status_code == 200, suspension.text
        if version.status_code == 201:  # committed before the suspension began
            [suspended] = await audited(api, "user.status_changed", author["user"]["id"])
            assert version.json()["created_at"] < suspended["occurred_at"]
        elif version.status_code == 403:
            assert_problem(version, 403, "account_suspended")
        else:
            assert version.status_code == 401, version.text
        assert_problem(await api.get(f"/api/scripts/{script['id']}"), 404, "not_found")
        await set_status(api, author, "active")
        shown = (await api.get(f"/api/scripts/{script['id']}")).json()
        published = await audited(api, "script.version_published", script["id"])
        expected = "1.1" if version.status_code == 201 else "1.0"
        assert (shown["latest_version"]["version"], len(published)) == (
            expected,
            1 + (expected == "1.1"),
        )
