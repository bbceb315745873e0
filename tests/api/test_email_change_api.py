"""Changing one's email address over HTTP, with a real SMTP server receiving the mail."""

from __future__ import annotations

from typing import Any

from tests.api.client import Api, assert_problem
from tests.api.mails import link_in, next_mail, token_of
from tests.smtp_sink import SmtpSink

CHANGE = "/api/users/me/email"
CONFIRM = "/api/users/me/email/confirm"


async def mailed_token(api: Api, sink: SmtpSink, pair: dict[str, Any], new_email: str) -> str:
    """Ask to move `pair`'s account to `new_email`; the token of the link mailed there."""
    body = {"email": new_email, "current_password": pair["password"]}
    asked = await api.send("POST", CHANGE, pair["access_token"], json=body)
    assert asked.status_code == 202, asked.text
    return token_of(link_in(await next_mail(sink, new_email), "confirm-email"))


async def test_the_new_address_replaces_the_old_one_once_confirmed(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    admin = await mail_api.admin()
    pair = await mail_api.register()
    old_email = pair["user"]["email"]
    new_email = f"moved.{old_email}"
    await next_mail(smtp_sink, old_email)  # the verification mail

    token = await mailed_token(mail_api, smtp_sink, pair, new_email)
    before = await mail_api.get("/api/users/me", pair["access_token"])
    confirmed = await mail_api.send("POST", CONFIRM, pair["access_token"], json={"token": token})

    assert before.json()["email"] == old_email
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["email"], confirmed.json()["email_verified"]) == (new_email, True)
    notice = await next_mail(smtp_sink, old_email, seen=1)
    assert notice["Subject"] == "Your ScriptHub email address was changed"
    login = {"email": new_email, "password": pair["password"]}
    assert (await mail_api.client.post("/api/auth/login", json=login)).status_code == 200
    old_login = {"email": old_email, "password": pair["password"]}
    assert_problem(
        await mail_api.client.post("/api/auth/login", json=old_login), 401, "invalid_credentials"
    )
    entries = await mail_api.get(
        "/api/audit-logs",
        admin["access_token"],
        params={"action": "user.email_changed", "resource_id": pair["user"]["id"]},
    )
    [entry] = entries.json()["items"]
    assert (entry["actor_id"], entry["outcome"]) == (pair["user"]["id"], "success")


async def test_a_used_or_unknown_link_is_refused(mail_api: Api, smtp_sink: SmtpSink) -> None:
    pair = await mail_api.register()
    token = await mailed_token(mail_api, smtp_sink, pair, f"moved.{pair['user']['email']}")
    first = await mail_api.send("POST", CONFIRM, pair["access_token"], json={"token": token})
    again = await mail_api.send("POST", CONFIRM, pair["access_token"], json={"token": token})
    unknown = await mail_api.send("POST", CONFIRM, pair["access_token"], json={"token": "nope"})

    assert first.status_code == 200, first.text
    assert_problem(again, 400, "token_invalid")
    assert_problem(unknown, 400, "token_invalid")


async def test_a_link_is_only_good_for_its_own_account(mail_api: Api, smtp_sink: SmtpSink) -> None:
    pair = await mail_api.register()
    other = await mail_api.register()
    token = await mailed_token(mail_api, smtp_sink, pair, f"moved.{pair['user']['email']}")

    stolen = await mail_api.send("POST", CONFIRM, other["access_token"], json={"token": token})
    anonymous = await mail_api.client.post(CONFIRM, json={"token": token})

    assert_problem(stolen, 400, "token_invalid")
    assert_problem(anonymous, 401, "invalid_token")
    me = await mail_api.get("/api/users/me", other["access_token"])
    assert me.json()["email"] == other["user"]["email"]


async def test_an_address_registered_meanwhile_is_email_taken(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    pair = await mail_api.register()
    new_email = f"moved.{pair['user']['email']}"
    token = await mailed_token(mail_api, smtp_sink, pair, new_email)
    await mail_api.register(email=new_email)

    taken = await mail_api.send("POST", CONFIRM, pair["access_token"], json={"token": token})

    assert_problem(taken, 409, "email_taken")
    me = await mail_api.get("/api/users/me", pair["access_token"])
    assert me.json()["email"] == pair["user"]["email"]


async def test_two_concurrent_confirmations_change_it_once(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    admin = await mail_api.admin()
    pair = await mail_api.register()
    token = await mailed_token(mail_api, smtp_sink, pair, f"moved.{pair['user']['email']}")

    answers = await mail_api.at_once(
        *(
            mail_api.request("POST", CONFIRM, pair["access_token"], json={"token": token})
            for _ in range(2)
        )
    )

    assert sorted(answer.status_code for answer in answers) == [200, 400]
    entries = await mail_api.get(
        "/api/audit-logs",
        admin["access_token"],
        params={"action": "user.email_changed", "resource_id": pair["user"]["id"]},
    )
    assert len(entries.json()["items"]) == 1


async def test_a_wrong_password_or_a_taken_address_is_refused_at_once(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    pair = await mail_api.register()
    other = await mail_api.register()
    token = pair["access_token"]

    wrong = await mail_api.send(
        "POST", CHANGE, token, json={"email": "fresh@example.com", "current_password": "nope-nope"}
    )
    taken = await mail_api.send(
        "POST",
        CHANGE,
        token,
        json={"email": other["user"]["email"], "current_password": pair["password"]},
    )
    malformed = await mail_api.send(
        "POST", CHANGE, token, json={"email": "a@b", "current_password": pair["password"]}
    )
    missing = await mail_api.send("POST", CHANGE, token, json={"email": "fresh@example.com"})

    assert_problem(wrong, 403, "invalid_credentials")
    assert "www-authenticate" not in wrong.headers
    assert_problem(taken, 409, "email_taken")
    assert_problem(malformed, 422, "validation_error")
    assert_problem(missing, 422, "validation_error")
    assert [m["To"] for m in smtp_sink.messages if m["To"] == "fresh@example.com"] == []
