"""/api/auth over HTTP on both wirings."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable

import pytest

from tests.api.client import PASSWORD, Api, assert_problem, bearer

OWN_USER_FIELDS = {
    "id",
    "email",
    "username",
    "email_verified",
    "account_status",
    "roles",
    "providers",
    "created_at",
    "updated_at",
    "profile",
}
PROFILE_FIELDS = {
    "full_name",
    "avatar_url",
    "phone",
    "bio",
    "date_of_birth",
    "location",
    "website",
}


async def test_register_returns_a_token_pair_and_the_own_user(api: Api) -> None:
    response = await api.client.post(
        "/api/auth/register",
        json={
            "email": " Grace@Example.com ",
            "password": PASSWORD,
            "username": "Grace",
            "full_name": "Grace Hopper",
        },
    )

    assert response.status_code == 201, response.text
    pair = response.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 900
    assert len(pair["refresh_token"]) >= 43
    user = pair["user"]
    assert set(user) == OWN_USER_FIELDS
    assert set(user["profile"]) == PROFILE_FIELDS
    assert user["email"] == "grace@example.com"
    assert user["username"] == "grace"
    assert user["roles"] == ["user"]
    assert user["providers"] == ["email"]
    assert user["email_verified"] is False
    assert user["account_status"] == "active"
    assert user["profile"]["full_name"] == "Grace Hopper"
    assert user["created_at"].endswith("Z")
    # Not in the whole text: a random token spells "hash" about once in 60,000 registrations.
    assert "hash" not in json.dumps(user)
    assert "$2b$" not in response.text


async def test_duplicate_email_and_username_conflict(api: Api) -> None:
    first = await api.register()
    email, username = first["user"]["email"], first["user"]["username"]

    taken_email = await api.client.post(
        "/api/auth/register",
        json={"email": email.upper(), "password": PASSWORD, "username": "someone_else"},
    )
    taken_name = await api.client.post(
        "/api/auth/register",
        json={"email": "new@example.com", "password": PASSWORD, "username": username.upper()},
    )

    assert_problem(taken_email, 409, "email_taken")
    assert_problem(taken_name, 409, "username_taken")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com", "password": "short", "username": "abc"}, "password"),
        ({"email": "a@example.com", "password": "password123", "username": "abc"}, "password"),
        ({"email": "a@example.com", "password": "p" * 129, "username": "abc"}, "password"),
        ({"email": "nope", "password": PASSWORD, "username": "abc"}, "email"),
        ({"email": "a@example.com", "password": PASSWORD, "username": "me"}, "username"),
        ({"email": "a@example.com", "password": PASSWORD, "username": "a\u0000b"}, "username"),
        ({"email": "a@example.com", "password": PASSWORD, "username": 42}, "username"),
        ({"email": "a@example.com", "password": PASSWORD}, "username"),
        (
            {"email": "a@example.com", "password": PASSWORD, "username": "abc", "roles": ["admin"]},
            "roles",
        ),
        (
            {"email": "a@example.com", "password": PASSWORD, "username": "abc", "full_name": "\0"},
            "full_name",
        ),
    ],
)
async def test_register_rejects_bad_input_naming_the_field(
    api: Api, body: dict[str, object], field: str
) -> None:
    response = await api.client.post("/api/auth/register", json=body)

    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == [field]


async def test_login_and_its_failures(api: Api) -> None:
    pair = await api.register()
    email = pair["user"]["email"]

    ok = await api.client.post(
        "/api/auth/login", json={"email": email.upper(), "password": PASSWORD}
    )
    wrong = await api.client.post(
        "/api/auth/login", json={"email": email, "password": "not the password"}
    )
    unknown = await api.client.post(
        "/api/auth/login", json={"email": "ghost@example.com", "password": PASSWORD}
    )
    huge = await api.client.post("/api/auth/login", json={"email": email, "password": "ü" * 1000})

    assert ok.status_code == 200
    assert ok.json()["user"]["id"] == pair["user"]["id"]
    assert assert_problem(wrong, 401, "invalid_credentials") == assert_problem(
        unknown, 401, "invalid_credentials"
    )
    assert_problem(huge, 401, "invalid_credentials")


async def test_login_takes_a_username_or_an_email(api: Api) -> None:
    pair = await api.register()
    user = pair["user"]

    by_username = await api.client.post(
        "/api/auth/login", json={"login": user["username"].upper(), "password": PASSWORD}
    )
    by_email = await api.client.post(
        "/api/auth/login", json={"login": user["email"], "password": PASSWORD}
    )
    unknown = await api.client.post(
        "/api/auth/login", json={"login": "ghost", "password": PASSWORD}
    )

    assert by_username.json()["user"]["id"] == by_email.json()["user"]["id"] == user["id"]
    assert_problem(unknown, 401, "invalid_credentials")


@pytest.mark.parametrize(
    "names", [{}, {"login": "ada", "email": "ada@example.com"}], ids=["neither", "both"]
)
async def test_login_needs_exactly_one_of_login_and_email(api: Api, names: dict[str, str]) -> None:
    response = await api.client.post("/api/auth/login", json={**names, "password": PASSWORD})

    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["login"]


async def test_refresh_rotates_and_a_retry_in_the_grace_window_gets_the_current_pair(
    api: Api,
) -> None:
    pair = await api.register()

    rotated = await api.client.post(
        "/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    retry = await api.client.post(
        "/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )

    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["refresh_token"] != pair["refresh_token"]
    assert retry.status_code == 200, retry.text
    assert retry.json()["refresh_token"] == rotated.json()["refresh_token"]
    assert (await api.get("/api/users/me", retry.json()["access_token"])).status_code == 200
    again = await api.client.post(
        "/api/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]}
    )
    assert again.status_code == 200


async def test_two_racing_refreshes_both_get_the_same_refresh_token(api: Api) -> None:
    for _ in range(10):
        pair = await api.register()
        body = {"refresh_token": pair["refresh_token"]}

        answers = await api.at_once(
            *(api.request("POST", "/api/auth/refresh", json=body) for _ in range(2))
        )

        assert [answer.status_code for answer in answers] == [200, 200], answers[0].text
        first, second = (answer.json() for answer in answers)
        assert first["refresh_token"] == second["refresh_token"]
        assert (await api.get("/api/users/me", second["access_token"])).status_code == 200


async def test_reusing_a_rotated_refresh_token_ends_the_session(
    make_api: Callable[..., Api],
) -> None:
    api = await make_api(SCRIPTHUB_REFRESH_REUSE_GRACE="0")  # type: ignore[misc]
    pair = await api.register()
    rotated = (
        await api.client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).json()

    reused = await api.client.post(
        "/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )

    assert_problem(reused, 401, "refresh_token_reused")
    successor = await api.client.post(
        "/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert_problem(successor, 401, "refresh_token_invalid")
    me = await api.get("/api/users/me", rotated["access_token"])
    assert_problem(me, 401, "session_revoked")


async def test_logout_revokes_the_access_token_on_the_next_request(api: Api) -> None:
    pair = await api.register()
    other = (
        await api.client.post(
            "/api/auth/login", json={"email": pair["user"]["email"], "password": PASSWORD}
        )
    ).json()

    logout = await api.send("POST", "/api/auth/logout", pair["access_token"])

    assert logout.status_code == 204
    me = await api.get("/api/users/me", pair["access_token"])
    assert_problem(me, 401, "session_revoked")
    assert me.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert (await api.get("/api/users/me", other["access_token"])).status_code == 200

    assert (
        await api.send("POST", "/api/auth/logout-all", other["access_token"])
    ).status_code == 204
    assert_problem(await api.get("/api/users/me", other["access_token"]), 401, "session_revoked")


async def test_sessions_can_be_listed_and_ended_but_only_ones_own(api: Api) -> None:
    pair = await api.register()
    second = (
        await api.client.post(
            "/api/auth/login",
            json={"email": pair["user"]["email"], "password": PASSWORD},
            headers={"User-Agent": "phone/1.0"},
        )
    ).json()
    stranger = await api.register()

    listed = await api.get("/api/auth/sessions", pair["access_token"])

    assert listed.status_code == 200
    items = listed.json()["items"]
    assert len(items) == 2
    assert set(items[0]) == {
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "ip_address",
        "provider",
        "current",
    }
    assert sorted(i["current"] for i in items) == [False, True]
    phone = next(i for i in items if not i["current"])
    assert phone["user_agent"] == "phone/1.0"
    assert phone["provider"] == "email"

    foreign = await api.send(
        "DELETE", f"/api/auth/sessions/{phone['id']}", stranger["access_token"]
    )
    assert_problem(foreign, 404, "not_found")
    bad_id = await api.send("DELETE", "/api/auth/sessions/not-a-uuid", pair["access_token"])
    assert_problem(bad_id, 404, "not_found")

    ended = await api.send("DELETE", f"/api/auth/sessions/{phone['id']}", pair["access_token"])
    assert ended.status_code == 204
    assert_problem(await api.get("/api/users/me", second["access_token"]), 401, "session_revoked")


def _forged_token(header: dict[str, str], claims: dict[str, object]) -> str:
    def part(data: dict[str, object] | dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


async def test_bad_bearer_tokens_are_rejected(api: Api) -> None:
    pair = await api.register()
    head, claims_part, _ = pair["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(claims_part + "=="))

    missing = await api.client.get("/api/users/me")
    garbage = await api.get("/api/users/me", "garbage")
    tampered = await api.get("/api/users/me", pair["access_token"][:-2] + "xx")
    alg_none = await api.get("/api/users/me", _forged_token({"alg": "none", "typ": "JWT"}, claims))
    wrong_scheme = await api.client.get(
        "/api/users/me", headers={"Authorization": f"Basic {pair['access_token']}"}
    )

    assert_problem(missing, 401, "invalid_token")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    for response in (garbage, tampered, alg_none, wrong_scheme):
        assert_problem(response, 401, "invalid_token")
    assert garbage.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert head


async def test_refresh_with_garbage_is_a_clean_401(api: Api) -> None:
    for token in ("", "garbage", "\u0000" * 10):
        response = await api.client.post("/api/auth/refresh", json={"refresh_token": token})
        assert_problem(response, 401, "refresh_token_invalid")
    assert bearer("x") == {"Authorization": "Bearer x"}


async def test_a_token_pairing_a_user_with_another_user_s_session_is_refused(api: Api) -> None:
    ada = await api.register()
    bob = await api.register()
    bob_session = (await api.get("/api/auth/sessions", bob["access_token"])).json()["items"][0]
    # What a holder of the signing key could forge: ada's id with bob's live session.
    forged = api.container.adapters.access_tokens().issue(
        uuid.UUID(ada["user"]["id"]), uuid.UUID(bob_session["id"])
    )

    answer = await api.get("/api/users/me", forged.token)

    assert_problem(answer, 401, "session_revoked")
    assert (await api.get("/api/users/me", bob["access_token"])).status_code == 200


@pytest.mark.parametrize("email", ["ada\u200b@example.com", "\u202eada@example.com"])
async def test_register_refuses_emails_with_invisible_characters(api: Api, email: str) -> None:
    response = await api.send(
        "POST",
        "/api/auth/register",
        json={"email": email, "password": PASSWORD, "username": "ada"},
    )

    body = assert_problem(response, 422, "validation_error")
    assert [problem["field"] for problem in body["errors"]] == ["email"]


async def test_a_full_width_copy_of_an_email_is_taken(api: Api) -> None:
    await api.register(email="ada@example.com")

    response = await api.send(
        "POST",
        "/api/auth/register",
        json={"email": "\uff21\uff24\uff21@example.com", "password": PASSWORD, "username": "x_ada"},
    )

    assert_problem(response, 409, "email_taken")


@pytest.mark.parametrize("address", ["a..b@example.com", ".x@example.com", "x@-bad-.com"])
async def test_registering_an_address_that_breaks_email_syntax_is_422(
    api: Api, address: str
) -> None:
    body = {"email": address, "username": "syntax", "password": "correct horse battery"}

    refused = await api.client.post("/api/auth/register", json=body)

    problem = assert_problem(refused, 422, "validation_error")
    assert [error["field"] for error in problem["errors"]] == ["email"]
