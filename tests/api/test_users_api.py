"""/api/users over HTTP on both wirings."""

from __future__ import annotations

import pytest

from tests.api.client import PASSWORD, Api, assert_problem


async def test_get_me_is_the_own_view(api: Api) -> None:
    pair = await api.register()

    response = await api.get("/api/users/me", pair["access_token"])

    assert response.status_code == 200
    assert response.json() == pair["user"]


async def test_patch_me_changes_only_what_was_sent_and_null_clears(api: Api) -> None:
    pair = await api.register(full_name="Ada")
    token = pair["access_token"]

    first = await api.send(
        "PATCH",
        "/api/users/me",
        token,
        json={
            "username": "Ada_Lovelace",
            "profile": {"bio": "Poet of science", "date_of_birth": "1815-12-10"},
        },
    )
    second = await api.send("PATCH", "/api/users/me", token, json={"profile": {"full_name": None}})

    assert first.status_code == 200, first.text
    assert first.json()["username"] == "ada_lovelace"
    assert first.json()["profile"]["date_of_birth"] == "1815-12-10"
    body = second.json()
    assert body["profile"]["full_name"] is None
    assert body["profile"]["bio"] == "Poet of science"
    assert body["username"] == "ada_lovelace"
    assert (await api.get("/api/users/me", token)).json() == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "new@example.com"}, "email"),
        ({"roles": ["admin"]}, "roles"),
        ({"account_status": "active"}, "account_status"),
        ({"profile": {"website": "ftp://example.com"}}, "profile.website"),
        ({"profile": {"date_of_birth": "yesterday"}}, "profile.date_of_birth"),
        ({"profile": {"nickname": "x"}}, "profile.nickname"),
        ({"username": None}, "username"),
        ({"username": "x"}, "username"),
    ],
)
async def test_patch_me_rejects_bad_and_forbidden_fields(
    api: Api, body: dict[str, object], field: str
) -> None:
    pair = await api.register()

    response = await api.send("PATCH", "/api/users/me", pair["access_token"], json=body)

    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"][0]["field"] == field
    assert (await api.get("/api/users/me", pair["access_token"])).json() == pair["user"]


async def test_username_taken_on_patch(api: Api) -> None:
    other = await api.register()
    pair = await api.register()

    response = await api.send(
        "PATCH", "/api/users/me", pair["access_token"], json={"username": other["user"]["username"]}
    )

    assert_problem(response, 409, "username_taken")


async def test_delete_me_needs_the_password_then_frees_the_email(api: Api) -> None:
    pair = await api.register()
    token, email = pair["access_token"], pair["user"]["email"]

    missing = await api.send("DELETE", "/api/users/me", token)
    wrong = await api.send("DELETE", "/api/users/me", token, json={"password": "wrong password!"})
    assert_problem(missing, 422, "validation_error")
    assert_problem(wrong, 403, "invalid_credentials")

    deleted = await api.send("DELETE", "/api/users/me", token, json={"password": PASSWORD})

    assert deleted.status_code == 204
    assert_problem(await api.get("/api/users/me", token), 401, "session_revoked")
    login = await api.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert_problem(login, 401, "invalid_credentials")
    public = await api.get(f"/api/users/{pair['user']['username']}")
    assert_problem(public, 404, "not_found")
    again = await api.register(email=email)
    assert again["user"]["id"] != pair["user"]["id"]


async def test_public_profile_hides_private_fields(api: Api) -> None:
    pair = await api.register()
    await api.send(
        "PATCH",
        "/api/users/me",
        pair["access_token"],
        json={"profile": {"phone": "+62 812 555", "date_of_birth": "1990-01-01", "bio": "hi"}},
    )

    by_name = await api.get(f"/api/users/{pair['user']['username'].upper()}")
    by_id = await api.get(f"/api/users/{pair['user']['id']}")

    assert by_name.status_code == 200
    assert by_name.json() == by_id.json()
    body = by_name.json()
    assert set(body) == {"id", "username", "created_at", "profile"}
    assert set(body["profile"]) == {"full_name", "avatar_url", "bio", "location", "website"}
    assert body["profile"]["bio"] == "hi"
    assert_problem(await api.get("/api/users/nobody-here"), 404, "not_found")


async def test_my_permissions_are_those_of_the_user_role(api: Api) -> None:
    pair = await api.register()

    response = await api.get("/api/users/me/permissions", pair["access_token"])

    assert response.status_code == 200
    assert response.json() == {
        "roles": ["user"],
        "permissions": ["scripts.create", "scripts.read"],
    }
