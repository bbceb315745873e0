"""Personal access tokens over HTTP, on both wirings: made, listed and revoked with a session;
used as `Authorization: Bearer shp_...` on the routes that allow them, with their scopes and
scripts; refused once revoked, or once their owner is suspended, deleted or reset."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from tests.api.client import PASSWORD, Api, assert_problem, audited_metadata
from tests.api.mails import link_in, next_mail, token_of
from tests.api.script_calls import audited, post_version, publish
from tests.api.token_calls import PUBLISH, READ, make_token
from tests.userscripts import userscript

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.smtp_sink import SmtpSink

SECRET = re.compile(r"shp_[A-Za-z0-9]{36}")


async def test_a_token_is_made_once_listed_without_its_secret_and_revoked(api: Api) -> None:
    pair = await api.verified_user()
    session = pair["access_token"]

    first = await make_token(api, session, name="first")
    second = await make_token(api, session, name="second", scopes=[*READ, *PUBLISH])
    listed = await api.get("/api/users/me/tokens", session)
    before = await api.get("/api/users/me", first["secret"])
    revoked = await api.send("DELETE", f"/api/users/me/tokens/{first['id']}", session)
    again = await api.send("DELETE", f"/api/users/me/tokens/{first['id']}", session)
    after = await api.get("/api/users/me/tokens", session)

    assert SECRET.fullmatch(first["secret"])
    assert first["secret"] != second["secret"]
    assert second["scopes"] == ["scripts:publish", "scripts:read"]
    assert first["script_ids"] is None
    assert first["last_used_at"] is None
    made = datetime.fromisoformat(first["created_at"])
    assert (datetime.fromisoformat(first["expires_at"]) - made).days == 90
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [item["name"] for item in items] == ["second", "first"]
    assert all("secret" not in item for item in items)
    assert before.status_code == 200, before.text
    assert revoked.status_code == 204, revoked.text
    assert_problem(again, 404, "not_found")
    assert [item["id"] for item in after.json()["items"]] == [second["id"]]
    assert_problem(await api.get("/api/users/me", first["secret"]), 401, "invalid_token")
    assert (await api.get("/api/users/me", second["secret"])).status_code == 200
    created = await audited(api, "token.created", first["id"])
    gone = await audited(api, "token.revoked", first["id"])
    expected = {"token_id": first["id"], "name": "first", "scopes": PUBLISH}
    assert [audited_metadata(entry) for entry in created] == [expected]
    assert [audited_metadata(entry) for entry in gone] == [expected]
    assert gone[0]["actor_id"] == pair["user"]["id"]


async def test_making_a_token_needs_a_verified_email_and_a_session(api: Api) -> None:
    unverified = await api.register()
    pair = await api.verified_user()
    token = await make_token(api, pair["access_token"])
    body = {"name": "ci", "scopes": PUBLISH}

    refused = await api.send("POST", "/api/users/me/tokens", unverified["access_token"], json=body)
    by_token = await api.send("POST", "/api/users/me/tokens", token["secret"], json=body)
    listed = await api.get("/api/users/me/tokens", token["secret"])
    revoked = await api.send("DELETE", f"/api/users/me/tokens/{token['id']}", token["secret"])

    assert_problem(refused, 403, "email_not_verified")
    for response in (by_token, listed, revoked):
        assert_problem(response, 403, "token_scope")
    assert (await api.get("/api/users/me", token["secret"])).status_code == 200


async def test_another_users_token_or_an_unknown_one_is_not_found(api: Api) -> None:
    owner = await api.verified_user()
    other = await api.verified_user()
    token = await make_token(api, owner["access_token"])

    for token_id in (token["id"], str(uuid.uuid4()), "not-an-id"):
        response = await api.send(
            "DELETE", f"/api/users/me/tokens/{token_id}", other["access_token"]
        )
        assert_problem(response, 404, "not_found")
    assert (await api.get("/api/users/me", token["secret"])).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "ci", "scopes": PUBLISH, "extra": 1}, 422),
        ({"name": 5, "scopes": PUBLISH}, 422),
        ({"name": "ci", "scopes": "scripts:publish"}, 422),
        ({"name": "ci", "scopes": PUBLISH, "script_ids": ["not-a-uuid"]}, 422),
        ({"name": "ci", "scopes": PUBLISH, "expires_in_days": "90"}, 422),
        ({"scopes": PUBLISH}, 422),
        ({"name": "", "scopes": PUBLISH}, 422),
        ({"name": "x" * 101, "scopes": PUBLISH}, 422),
        ({"name": "ci", "scopes": []}, 422),
        ({"name": "ci", "scopes": ["admin"]}, 422),
        ({"name": "ci", "scopes": PUBLISH, "script_ids": []}, 422),
        ({"name": "ci", "scopes": PUBLISH, "script_ids": [str(uuid.uuid4())]}, 422),
        ({"name": "ci", "scopes": PUBLISH, "expires_in_days": 0}, 422),
        ({"name": "ci", "scopes": PUBLISH, "expires_in_days": 367}, 422),
    ],
)
async def test_a_bad_token_request_is_a_problem(
    api: Api, body: dict[str, Any], status: int
) -> None:
    pair = await api.verified_user()

    response = await api.send("POST", "/api/users/me/tokens", pair["access_token"], json=body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await api.get("/api/users/me/tokens", pair["access_token"])).json()["items"] == []


async def test_a_token_cannot_name_another_users_script(api: Api) -> None:
    owner = await api.verified_user()
    other = await api.verified_user()
    theirs = await publish(api, other["access_token"], name="Theirs")
    body = {"name": "ci", "scopes": PUBLISH, "script_ids": [theirs["id"]]}

    response = await api.send("POST", "/api/users/me/tokens", owner["access_token"], json=body)

    problem = assert_problem(response, 422, "validation_error")
    assert theirs["id"] in problem["detail"]


async def test_a_publishing_token_creates_publishes_and_edits_audited_with_its_id(
    api: Api,
) -> None:
    pair = await api.verified_user()
    token = await make_token(api, pair["access_token"])
    secret = token["secret"]

    script = await publish(api, secret, name="From CI")
    version = await post_version(api, secret, script["id"], code=userscript(version="1.1"))
    edited = await api.send("PATCH", f"/api/scripts/{script['id']}", secret, json={"name": "CI"})

    assert script["owner"]["id"] == pair["user"]["id"]
    assert version.status_code == 201, version.text
    assert edited.status_code == 200, edited.text
    for action in ("script.created", "script.version_published", "script.updated"):
        entries = await audited(api, action, script["id"])
        assert entries, action
        assert all(entry["metadata"]["token_id"] == token["id"] for entry in entries), entries
        assert all(entry["actor_id"] == pair["user"]["id"] for entry in entries)


async def test_a_token_of_chosen_scripts_touches_only_those(api: Api) -> None:
    pair = await api.verified_user()
    session = pair["access_token"]
    covered = await publish(api, session, name="Covered", visibility="private")
    other = await publish(api, session, name="Other")
    scopes = [*PUBLISH, *READ]
    token = (await make_token(api, session, scopes=scopes, script_ids=[covered["id"]]))["secret"]

    created = await api.send(
        "POST", "/api/scripts", token, json={"name": "New", "code": userscript()}
    )
    on_covered = await post_version(api, token, covered["id"], code=userscript(version="2"))
    on_other = await post_version(api, token, other["id"], code=userscript(version="2"))
    edit_other = await api.send("PATCH", f"/api/scripts/{other['id']}", token, json={"name": "x"})

    assert_problem(created, 403, "token_scope")
    assert on_covered.status_code == 201, on_covered.text
    assert_problem(on_other, 403, "token_scope")
    assert_problem(edit_other, 403, "token_scope")
    for path in ("", "/versions", "/raw", "/meta", "/versions/2/raw"):
        readable = await api.get(f"/api/scripts/{covered['id']}{path}", token)
        assert readable.status_code == 200, (path, readable.text)
        assert_problem(
            await api.get(f"/api/scripts/{other['id']}{path}", token), 403, "token_scope"
        )
    by_slug = await api.get(f"/api/scripts/{other['slug']}/raw", token)
    assert_problem(by_slug, 403, "token_scope")


async def test_a_token_has_only_its_scopes(api: Api) -> None:
    pair = await api.verified_user()
    session = pair["access_token"]
    script = await publish(api, session, visibility="private")
    reader = (await make_token(api, session, scopes=READ))["secret"]
    publisher = (await make_token(api, session, scopes=PUBLISH))["secret"]

    assert (await api.get(f"/api/scripts/{script['id']}/raw", reader)).status_code == 200
    assert_problem(await post_version(api, reader, script["id"], code="x"), 403, "token_scope")
    assert_problem(await api.get(f"/api/scripts/{script['id']}", publisher), 403, "token_scope")
    for secret in (reader, publisher):
        me = await api.get("/api/users/me", secret)
        assert me.status_code == 200, me.text
        assert me.json()["id"] == pair["user"]["id"]


async def test_an_admins_token_carries_none_of_the_admins_roles(api: Api) -> None:
    admin = await api.role_holder("admin")
    api.verify_email(admin["user"]["id"])
    someone = await api.register()
    theirs = await publish(api, someone["access_token"], visibility="private")
    token = (await make_token(api, admin["access_token"], scopes=[*PUBLISH, *READ]))["secret"]

    audit = await api.get("/api/audit-logs", token)
    status = await api.send(
        "PATCH",
        f"/api/users/{someone['user']['id']}/status",
        token,
        json={"account_status": "suspended"},
    )
    private = await api.get(f"/api/scripts/{theirs['id']}", token)
    edit = await api.send("PATCH", f"/api/scripts/{theirs['id']}", token, json={"name": "x"})

    assert_problem(audit, 403, "token_scope")
    assert_problem(status, 403, "token_scope")
    assert_problem(private, 404, "not_found")
    assert_problem(edit, 404, "not_found")
    assert (await api.get("/api/users/me", someone["access_token"])).status_code == 200


async def test_a_mistyped_or_unknown_token_is_refused_without_a_lookup(api: Api) -> None:
    pair = await api.verified_user()
    secret = (await make_token(api, pair["access_token"]))["secret"]
    typo = secret[:-1] + ("a" if secret[-1] != "a" else "b")

    for bad in (typo, "shp_" + "a" * 36, "shp_short"):
        assert_problem(await api.get("/api/users/me", bad), 401, "invalid_token")
        assert_problem(await api.get(f"/api/scripts/{uuid.uuid4()}", bad), 401, "invalid_token")


async def test_a_suspension_ends_a_token_for_good(api: Api) -> None:
    pair = await api.verified_user()
    secret = (await make_token(api, pair["access_token"]))["secret"]
    admin = (await api.role_holder("admin"))["access_token"]
    status_url = f"/api/users/{pair['user']['id']}/status"

    before = await api.get("/api/users/me", secret)
    suspended = await api.send("PATCH", status_url, admin, json={"account_status": "suspended"})
    while_suspended = await api.get("/api/users/me", secret)
    active = await api.send("PATCH", status_url, admin, json={"account_status": "active"})

    assert (before.status_code, suspended.status_code, active.status_code) == (200, 200, 200)
    assert_problem(while_suspended, 401, "invalid_token")
    assert_problem(await api.get("/api/users/me", secret), 401, "invalid_token")


async def test_a_deletion_ends_the_accounts_tokens(api: Api) -> None:
    pair = await api.verified_user()
    secret = (await make_token(api, pair["access_token"]))["secret"]
    assert (await api.get("/api/users/me", secret)).status_code == 200

    deleted = await api.send(
        "DELETE", "/api/users/me", pair["access_token"], json={"password": PASSWORD}
    )

    assert deleted.status_code == 204, deleted.text
    assert_problem(await api.get("/api/users/me", secret), 401, "invalid_token")


async def test_a_password_change_keeps_tokens_and_a_reset_ends_them(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    api = mail_api
    pair = await api.verified_user()
    email = pair["user"]["email"]
    await next_mail(smtp_sink, email)
    secret = (await make_token(api, pair["access_token"]))["secret"]

    changed = await api.send(
        "POST",
        "/api/auth/password/change",
        pair["access_token"],
        json={"current_password": PASSWORD, "new_password": "another long passphrase"},
    )
    after_change = await api.get("/api/users/me", secret)
    await api.client.post("/api/auth/password/forgot", json={"email": email})
    link = token_of(link_in(await next_mail(smtp_sink, email, seen=1), "reset-password"))
    reset = await api.client.post(
        "/api/auth/password/reset", json={"token": link, "new_password": "a third passphrase"}
    )

    assert changed.status_code == 200, changed.text
    assert after_change.status_code == 200, after_change.text
    assert reset.status_code == 200, reset.text
    assert_problem(await api.get("/api/users/me", secret), 401, "invalid_token")


async def test_last_used_at_is_written_at_most_once_a_minute(api: Api) -> None:
    pair = await api.verified_user()
    token = await make_token(api, pair["access_token"])

    await api.get("/api/users/me", token["secret"])
    first = (await api.get("/api/users/me/tokens", pair["access_token"])).json()["items"][0]
    await api.get("/api/users/me", token["secret"])
    second = (await api.get("/api/users/me/tokens", pair["access_token"])).json()["items"][0]

    assert first["last_used_at"] is not None
    assert second["last_used_at"] == first["last_used_at"]


async def test_an_account_holds_at_most_fifty_live_tokens(api: Api) -> None:
    pair = await api.verified_user()
    session = pair["access_token"]
    tokens = [await make_token(api, session, name=f"t{n}") for n in range(50)]

    over = await api.send(
        "POST", "/api/users/me/tokens", session, json={"name": "x", "scopes": READ}
    )
    await api.send("DELETE", f"/api/users/me/tokens/{tokens[0]['id']}", session)
    room = await api.send(
        "POST", "/api/users/me/tokens", session, json={"name": "x", "scopes": READ}
    )

    assert_problem(over, 409, "conflict")
    assert room.status_code == 201, room.text


async def test_concurrent_creations_revocations_and_uses_keep_to_fifty(api: Api) -> None:
    # At most six at once: `at_once` sends each request from a worker thread of its own.
    # The race at scale is tests/contract/test_access_tokens.py's.
    pair = await api.verified_user()
    session = pair["access_token"]
    early = [await make_token(api, session, name=f"early{n}") for n in range(47)]
    body = {"name": "race", "scopes": READ}

    raced = await api.at_once(
        *(api.request("POST", "/api/users/me/tokens", session, json=body) for _ in range(3)),
        *(api.request("DELETE", f"/api/users/me/tokens/{t['id']}", session) for t in early[:2]),
        api.request("GET", "/api/users/me", early[2]["secret"]),
    )
    after = [await api.send("POST", "/api/users/me/tokens", session, json=body) for _ in range(3)]

    assert [r.status_code for r in raced] == [201, 201, 201, 204, 204, 200]
    assert [r.status_code for r in after] == [201, 201, 409]
    live = (await api.get("/api/users/me/tokens", session)).json()["items"]
    assert len(live) == 50
    admin = (await api.role_holder("admin"))["access_token"]
    params = {"actor_id": pair["user"]["id"], "action": "token.created", "limit": 100}
    created = (await api.get("/api/audit-logs", admin, params=params)).json()["items"]
    params["action"] = "token.revoked"
    revoked = (await api.get("/api/audit-logs", admin, params=params)).json()["items"]
    assert (len(created), len(revoked)) == (52, 2)


async def test_a_tokens_requests_count_against_its_owner_not_its_address(
    make_api: Callable[..., Api], peer_header: None
) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_API="4/60")  # type: ignore[misc]
    pair = await api.verified_user()  # register, then a token: 2 of the address's budget
    secret = (await make_token(api, pair["access_token"]))["secret"]

    from_a = await api.client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {secret}", "X-Test-Peer": "192.0.2.1"}
    )
    from_b = [
        await api.client.get(
            "/api/users/me",
            headers={"Authorization": f"Bearer {secret}", "X-Test-Peer": "192.0.2.2"},
        )
        for _ in range(4)
    ]
    anonymous_a = await api.client.get("/api/scripts", headers={"X-Test-Peer": "192.0.2.1"})
    # A token where no token may go is refused unlooked-up, and counted against the address.
    beyond = await api.client.get(
        "/api/scripts", headers={"Authorization": f"Bearer {secret}", "X-Test-Peer": "192.0.2.1"}
    )

    assert from_a.headers["ratelimit-remaining"] == "3"
    assert [r.status_code for r in from_b] == [200, 200, 200, 429]
    assert anonymous_a.status_code == 200
    assert anonymous_a.headers["ratelimit-remaining"] == "3"
    assert_problem(beyond, 403, "token_scope")
    assert beyond.headers["ratelimit-remaining"] == "2"
