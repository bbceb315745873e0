"""Users, roles, permissions and the audit trail for operators, over HTTP on both wirings."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.api.client import PASSWORD, Api, assert_problem

ADMIN_ROUTES = [
    ("GET", "/api/users", None),
    ("PATCH", "/api/users/{id}/status", {"account_status": "suspended"}),
    ("POST", "/api/users/{id}/roles", {"role": "admin"}),
    ("DELETE", "/api/users/{id}/roles/user", None),
    ("GET", "/api/roles", None),
    ("POST", "/api/roles", {"name": "hackers", "description": ""}),
    ("PUT", "/api/roles/user/permissions", {"permissions": ["roles.manage"]}),
    ("DELETE", "/api/roles/premium_user", None),
    ("GET", "/api/permissions", None),
    ("POST", "/api/permissions", {"name": "all.power", "description": ""}),
    ("GET", "/api/audit-logs", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_admin_routes_refuse_plain_users_and_strangers(
    api: Api, method: str, path: str, body: dict[str, Any] | None
) -> None:
    pair = await api.register()
    url = path.format(id=pair["user"]["id"])

    denied = await api.send(method, url, pair["access_token"], json=body)
    anonymous = await api.send(method, url, json=body)

    assert_problem(denied, 403, "forbidden")
    assert_problem(anonymous, 401, "invalid_token")
    admin = await api.admin()
    trail = await api.get(
        "/api/audit-logs", admin["access_token"], params={"action": "access.denied"}
    )
    assert [e["actor_id"] for e in trail.json()["items"]] == [pair["user"]["id"]]


async def test_users_are_searched_and_paged(api: Api) -> None:
    admin = await api.admin()
    token = admin["access_token"]
    for number in range(3):
        await api.register(email=f"findme{number}@example.com", username=f"needle_{number}")

    first = await api.get("/api/users", token, params={"q": "NEEDLE_", "limit": 2})
    second = await api.get(
        "/api/users",
        token,
        params={"q": "needle_", "limit": 2, "cursor": first.json()["next_cursor"]},
    )

    assert first.status_code == 200, first.text
    names = [u["username"] for u in first.json()["items"] + second.json()["items"]]
    assert names == ["needle_2", "needle_1", "needle_0"]
    assert second.json()["next_cursor"] is None
    assert first.json()["items"][0]["email"] == "findme2@example.com"
    wildcard = await api.get("/api/users", token, params={"q": "%"})
    assert wildcard.json()["items"] == []
    suspended = await api.get("/api/users", token, params={"status": "suspended"})
    assert suspended.json() == {"items": [], "next_cursor": None}
    for params in ({"cursor": "garbage"}, {"limit": 0}, {"limit": 101}, {"status": "odd"}):
        assert_problem(await api.get("/api/users", token, params=params), 400, "bad_request")


async def test_suspension_takes_effect_at_once_and_reactivation_restores_sign_in(
    api: Api,
) -> None:
    admin = await api.admin()
    pair = await api.register()
    status_url = f"/api/users/{pair['user']['id']}/status"

    suspended = await api.send(
        "PATCH", status_url, admin["access_token"], json={"account_status": "suspended"}
    )

    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["account_status"] == "suspended"
    assert_problem(await api.get("/api/users/me", pair["access_token"]), 401, "session_revoked")
    credentials = {"email": pair["user"]["email"], "password": PASSWORD}
    login = await api.client.post("/api/auth/login", json=credentials)
    assert_problem(login, 403, "account_suspended")
    refresh = await api.client.post(
        "/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert_problem(refresh, 403, "account_suspended")

    active = await api.send(
        "PATCH", status_url, admin["access_token"], json={"account_status": "active"}
    )
    assert active.json()["account_status"] == "active"
    assert (await api.client.post("/api/auth/login", json=credentials)).status_code == 200


async def test_status_changes_reject_bad_targets_and_values(api: Api) -> None:
    admin = await api.admin()
    token = admin["access_token"]

    unknown = await api.send(
        "PATCH", f"/api/users/{uuid.uuid4()}/status", token, json={"account_status": "suspended"}
    )
    malformed = await api.send(
        "PATCH", "/api/users/not-a-uuid/status", token, json={"account_status": "suspended"}
    )
    deleted = await api.send(
        "PATCH",
        f"/api/users/{admin['user']['id']}/status",
        token,
        json={"account_status": "deleted"},
    )
    myself = await api.send(
        "PATCH",
        f"/api/users/{admin['user']['id']}/status",
        token,
        json={"account_status": "suspended"},
    )

    assert_problem(unknown, 404, "not_found")
    assert_problem(malformed, 404, "not_found")
    assert_problem(deleted, 422, "validation_error")
    assert_problem(myself, 409, "conflict")


async def test_roles_granted_and_revoked_apply_on_the_next_request(api: Api) -> None:
    admin = await api.admin()
    token = admin["access_token"]
    pair = await api.register()
    roles_url = f"/api/users/{pair['user']['id']}/roles"

    granted = await api.send("POST", roles_url, token, json={"role": "moderator"})

    assert granted.status_code == 200, granted.text
    assert granted.json() == {"roles": ["moderator", "user"]}
    mine = await api.get("/api/users/me/permissions", pair["access_token"])
    assert "scripts.delete_any" in mine.json()["permissions"]
    assert (await api.get("/api/audit-logs", pair["access_token"])).status_code == 200

    revoked = await api.send("DELETE", f"{roles_url}/moderator", token)

    assert revoked.status_code == 204
    assert_problem(await api.get("/api/audit-logs", pair["access_token"]), 403, "forbidden")
    assert_problem(
        await api.send("POST", roles_url, token, json={"role": "wizard"}), 404, "not_found"
    )
    assert_problem(
        await api.send("POST", f"/api/users/{uuid.uuid4()}/roles", token, json={"role": "admin"}),
        404,
        "not_found",
    )


async def test_roles_lifecycle_and_their_permissions(api: Api) -> None:
    admin = await api.admin()
    token = admin["access_token"]
    pair = await api.register()

    created = await api.send(
        "POST", "/api/roles", token, json={"name": "beta_tester", "description": "Early access"}
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": "beta_tester",
        "description": "Early access",
        "permissions": [],
        "system": False,
    }
    assert_problem(
        await api.send("POST", "/api/roles", token, json={"name": "beta_tester"}), 409, "conflict"
    )
    for bad_name in ("Beta Tester", "beta_tester\n"):
        assert_problem(
            await api.send("POST", "/api/roles", token, json={"name": bad_name}),
            422,
            "validation_error",
        )

    updated = await api.send(
        "PUT",
        "/api/roles/beta_tester/permissions",
        token,
        json={"permissions": ["api.advanced", "scripts.featured"]},
    )
    assert updated.json()["permissions"] == ["api.advanced", "scripts.featured"]
    unknown = await api.send(
        "PUT", "/api/roles/beta_tester/permissions", token, json={"permissions": ["nope.nope"]}
    )
    assert "nope.nope" in assert_problem(unknown, 422, "validation_error")["detail"]

    await api.send(
        "POST", f"/api/users/{pair['user']['id']}/roles", token, json={"role": "beta_tester"}
    )
    assert (
        "api.advanced"
        in (await api.get("/api/users/me/permissions", pair["access_token"])).json()["permissions"]
    )

    listed = (await api.get("/api/roles", token)).json()["items"]
    by_name = {r["name"]: r for r in listed}
    assert by_name["admin"]["system"] is True
    assert by_name["user"]["permissions"] == ["scripts.create", "scripts.read"]

    assert (await api.send("DELETE", "/api/roles/beta_tester", token)).status_code == 204
    assert (
        "api.advanced"
        not in (await api.get("/api/users/me/permissions", pair["access_token"])).json()[
            "permissions"
        ]
    )
    assert_problem(await api.send("DELETE", "/api/roles/moderator", token), 409, "conflict")
    assert_problem(await api.send("DELETE", "/api/roles/beta_tester", token), 404, "not_found")


async def test_a_roles_permission_change_reaches_every_holder_on_the_next_request(
    api: Api,
) -> None:
    admin = await api.admin()
    holders = [await api.register() for _ in range(2)]
    for pair in holders:
        assert (
            "scripts.create"
            in (await api.get("/api/users/me/permissions", pair["access_token"])).json()[
                "permissions"
            ]
        )

    await api.send(
        "PUT",
        "/api/roles/user/permissions",
        admin["access_token"],
        json={"permissions": ["scripts.read"]},
    )

    for pair in holders:
        permissions = await api.get("/api/users/me/permissions", pair["access_token"])
        assert permissions.json()["permissions"] == ["scripts.read"]


async def test_permissions_are_listed_and_created(api: Api) -> None:
    admin = await api.admin()
    token = admin["access_token"]

    listed = (await api.get("/api/permissions", token)).json()["items"]
    created = await api.send(
        "POST",
        "/api/permissions",
        token,
        json={"name": "scripts.archive", "description": "Archive"},
    )

    assert len(listed) == 13  # scripts.moderate since migration 0019
    assert {"name": "audit.read", "description": "Read the audit trail", "resource": "audit",
            "action": "read"} in listed  # fmt: skip
    assert created.status_code == 201
    assert created.json()["resource"] == "scripts"
    assert_problem(
        await api.send("POST", "/api/permissions", token, json={"name": "scripts.archive"}),
        409,
        "conflict",
    )
    for bad_name in ("no-dot", "scripts.archive_all\n"):
        assert_problem(
            await api.send("POST", "/api/permissions", token, json={"name": bad_name}),
            422,
            "validation_error",
        )


async def test_the_last_admin_cannot_lock_everyone_out(api: Api) -> None:
    admin = await api.admin()
    token = admin["access_token"]

    revoke = await api.send("DELETE", f"/api/users/{admin['user']['id']}/roles/admin", token)
    strip = await api.send(
        "PUT", "/api/roles/admin/permissions", token, json={"permissions": ["users.read"]}
    )

    assert_problem(revoke, 409, "conflict")
    assert_problem(strip, 409, "conflict")
    assert (
        "roles.manage" in (await api.get("/api/users/me/permissions", token)).json()["permissions"]
    )


async def test_the_audit_trail_is_filtered_and_paged(api: Api) -> None:
    admin = await api.admin()
    token = admin["access_token"]
    pair = await api.register()
    for _ in range(3):
        await api.client.post(
            "/api/auth/login",
            json={"email": pair["user"]["email"], "password": PASSWORD},
            headers={"User-Agent": "audit-test"},
        )

    params = {"action": "auth.login", "actor_id": pair["user"]["id"], "limit": 2}
    first = await api.get("/api/audit-logs", token, params=params)
    second = await api.get(
        "/api/audit-logs", token, params={**params, "cursor": first.json()["next_cursor"]}
    )

    assert first.status_code == 200, first.text
    entries = first.json()["items"] + second.json()["items"]
    assert len(entries) == 3
    assert set(entries[0]) == {
        "id", "occurred_at", "actor_id", "action", "resource_type", "resource_id", "outcome",
        "ip_address", "user_agent", "metadata",
    }  # fmt: skip
    assert {e["outcome"] for e in entries} == {"success"}
    assert entries[0]["user_agent"] == "audit-test"
    assert entries[0]["occurred_at"] >= entries[1]["occurred_at"]
    registered = await api.get(
        "/api/audit-logs",
        token,
        params={
            "action": "user.registered",
            "resource_type": "user",
            "resource_id": pair["user"]["id"],
        },
    )
    assert len(registered.json()["items"]) == 1
    future = await api.get("/api/audit-logs", token, params={"since": "2999-01-01T00:00:00Z"})
    assert future.json()["items"] == []
    far_cursor = base64.urlsafe_b64encode(f"0001-01-01T00:00:00+14:00|{uuid.uuid4()}".encode())
    for bad in (
        {"since": "yesterday"},
        {"actor_id": "me"},
        {"cursor": "x"},
        # Valid times that UTC cannot hold: a year before the first, a year after the last.
        {"since": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:59:59-14:00"},
        {"cursor": far_cursor.decode().rstrip("=")},
    ):
        assert_problem(await api.get("/api/audit-logs", token, params=bad), 400, "bad_request")
    users_page = await api.get("/api/users", token, params={"cursor": far_cursor.decode()})
    assert_problem(users_page, 400, "bad_request")


@contextmanager
def counted_statements(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = api.container.adapters.engine().sync_engine

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_permission_cache_hit_costs_no_sql(api: Api) -> None:
    # The embedded wiring caches no grants (another process, the CLI, could not invalidate
    # them), so there every request reads them: one statement; and one more for its
    # sessions, which it keeps in the database so that they survive a restart.
    settings = api.container.settings()
    session_reads = int(settings.session_store == "sql")
    reads_on_a_hit = int(settings.cache_backend != "redis") + session_reads
    pair = await api.register()
    await api.get("/api/users/me/permissions", pair["access_token"])  # fills the cache

    with counted_statements(api) as statements:
        response = await api.get("/api/users/me/permissions", pair["access_token"])

    assert response.status_code == 200
    assert len(statements) == reads_on_a_hit

    await api.grant_role(pair["user"]["email"], "premium_user")
    with counted_statements(api) as statements:
        response = await api.get("/api/users/me/permissions", pair["access_token"])
    assert "premium_user" in response.json()["roles"]
    assert len(statements) == 1 + session_reads


async def test_roles_assign_alone_cannot_hand_out_more_than_it_holds(api: Api) -> None:
    admin = await api.admin()
    token = admin["access_token"]
    await api.send("POST", "/api/roles", token, json={"name": "assigner"})
    await api.send(
        "PUT", "/api/roles/assigner/permissions", token, json={"permissions": ["roles.assign"]}
    )
    pair = await api.register()
    me = pair["user"]["id"]
    await api.send("POST", f"/api/users/{me}/roles", token, json={"role": "assigner"})

    escalate = await api.send(
        "POST", f"/api/users/{me}/roles", pair["access_token"], json={"role": "admin"}
    )
    modest = await api.send(
        "POST", f"/api/users/{me}/roles", pair["access_token"], json={"role": "assigner"}
    )

    assert_problem(escalate, 403, "forbidden")
    assert modest.status_code == 200
    permissions = await api.get("/api/users/me/permissions", pair["access_token"])
    assert permissions.json()["roles"] == ["assigner", "user"]


async def test_the_last_admin_cannot_delete_their_account(api: Api) -> None:
    admin = await api.admin()

    response = await api.send(
        "DELETE", "/api/users/me", admin["access_token"], json={"password": PASSWORD}
    )

    assert_problem(response, 409, "conflict")
    assert (await api.get("/api/users/me", admin["access_token"])).status_code == 200


async def test_the_same_grant_sent_twice_at_once_is_granted_once(api: Api) -> None:
    admin = (await api.admin())["access_token"]
    for _ in range(8):
        user_id = (await api.register())["user"]["id"]
        answers = await api.at_once(
            *(
                api.request(
                    "POST", f"/api/users/{user_id}/roles", admin, json={"role": "moderator"}
                )
                for _ in range(2)
            )
        )

        assert [answer.status_code for answer in answers] == [200, 200], answers[1].text
        assert all(answer.json()["roles"] == ["moderator", "user"] for answer in answers)
        audited = await api.get(
            "/api/audit-logs", admin, params={"action": "role.assigned", "resource_id": user_id}
        )
        assert len(audited.json()["items"]) == 1
