"""Verification, reset and change over HTTP, with a real SMTP server receiving the mail."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from scripthub.domain.mail import DeliveryStatus
from scripthub.entrypoints.containers import build_container, close_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
from tests.api.client import PASSWORD, Api, assert_problem
from tests.api.mails import link_in, next_mail, token_of
from tests.smtp_sink import (
    SmtpSink,
)

NEW_PASSWORD = "a brand new passphrase"


async def test_registration_mails_a_verification_link_that_works_once(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    pair = await mail_api.register()
    email = pair["user"]["email"]

    message = await next_mail(smtp_sink, email)
    token = token_of(link_in(message, "verify-email"))
    verified = await mail_api.client.post("/api/auth/verify-email", json={"token": token})
    again = await mail_api.client.post("/api/auth/verify-email", json={"token": token})

    assert message["Subject"] == "Confirm your email address for ScriptHub"
    assert message.get_body(("html",)) is not None
    assert verified.status_code == 200, verified.text
    assert verified.json()["email_verified"] is True
    assert_problem(again, 400, "token_invalid")
    me = await mail_api.get("/api/users/me", pair["access_token"])
    assert me.json()["email_verified"] is True


async def test_a_mail_queued_while_smtp_is_down_arrives_when_it_is_back(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    smtp_sink.stop()
    pair = await mail_api.register()
    await asyncio.sleep(1.5)  # at least one attempt fails meanwhile
    assert smtp_sink.messages == []

    smtp_sink.start()

    for _ in range(400):  # the retry backoff is capped at 30 s
        if smtp_sink.messages:
            break
        await asyncio.sleep(0.1)
    assert [m["To"] for m in smtp_sink.messages] == [pair["user"]["email"]]


async def test_resend_is_throttled_and_answers_the_same(mail_api: Api, smtp_sink: SmtpSink) -> None:
    pair = await mail_api.register()
    await next_mail(smtp_sink, pair["user"]["email"])

    first = await mail_api.send("POST", "/api/auth/verify-email/resend", pair["access_token"])
    second = await mail_api.send("POST", "/api/auth/verify-email/resend", pair["access_token"])

    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    await asyncio.sleep(1.5)
    assert len([m for m in smtp_sink.messages if m["To"] == pair["user"]["email"]]) == 1


async def test_forgot_answers_the_same_for_unknown_addresses(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    pair = await mail_api.register()
    await next_mail(smtp_sink, pair["user"]["email"])

    known = await mail_api.client.post(
        "/api/auth/password/forgot", json={"email": pair["user"]["email"]}
    )
    unknown = await mail_api.client.post(
        "/api/auth/password/forgot", json={"email": "ghost@example.com"}
    )

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    reset = await next_mail(smtp_sink, pair["user"]["email"], seen=1)
    assert reset["Subject"] == "Reset your ScriptHub password"
    assert not [m for m in smtp_sink.messages if m["To"] == "ghost@example.com"]


async def test_a_password_reset_ends_every_session(mail_api: Api, smtp_sink: SmtpSink) -> None:
    pair = await mail_api.register()
    email = pair["user"]["email"]
    await next_mail(smtp_sink, email)
    await mail_api.client.post("/api/auth/password/forgot", json={"email": email})
    token = token_of(link_in(await next_mail(smtp_sink, email, seen=1), "reset-password"))

    weak = await mail_api.client.post(
        "/api/auth/password/reset", json={"token": token, "new_password": "password123"}
    )
    reset = await mail_api.client.post(
        "/api/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    reused = await mail_api.client.post(
        "/api/auth/password/reset", json={"token": token, "new_password": "another passphrase"}
    )

    assert [e["field"] for e in assert_problem(weak, 422, "validation_error")["errors"]] == [
        "new_password"
    ]
    assert reset.status_code == 200, reset.text
    assert_problem(reused, 400, "token_invalid")
    assert_problem(
        await mail_api.get("/api/users/me", pair["access_token"]), 401, "session_revoked"
    )
    old = await mail_api.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    new = await mail_api.client.post(
        "/api/auth/login", json={"email": email, "password": NEW_PASSWORD}
    )
    assert_problem(old, 401, "invalid_credentials")
    assert new.status_code == 200


async def test_changing_the_password_ends_every_other_session_and_renews_this_one(
    api: Api,
) -> None:
    pair = await api.register()
    other = (
        await api.client.post(
            "/api/auth/login", json={"email": pair["user"]["email"], "password": PASSWORD}
        )
    ).json()

    wrong = await api.send(
        "POST",
        "/api/auth/password/change",
        pair["access_token"],
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
    )
    changed = await api.send(
        "POST",
        "/api/auth/password/change",
        pair["access_token"],
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert_problem(wrong, 403, "invalid_credentials")
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    assert set(fresh) >= {"access_token", "refresh_token", "user"}
    assert (await api.get("/api/users/me", fresh["access_token"])).status_code == 200
    # The same session goes on: its old access token still works, its old refresh token not.
    assert (await api.get("/api/users/me", pair["access_token"])).status_code == 200
    sessions = (await api.get("/api/auth/sessions", fresh["access_token"])).json()["items"]
    assert [s["current"] for s in sessions] == [True]
    for old_or_new, status in ((pair, 401), (fresh, 200)):
        refreshed = await api.client.post(
            "/api/auth/refresh", json={"refresh_token": old_or_new["refresh_token"]}
        )
        assert refreshed.status_code == status, refreshed.text
    assert_problem(await api.get("/api/users/me", other["access_token"]), 401, "session_revoked")


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/auth/verify-email", {"token": "garbage"}, 400, "token_invalid"),
        ("/api/auth/verify-email", {"token": "x", "user_id": "me"}, 422, "validation_error"),
        ("/api/auth/verify-email", {}, 422, "validation_error"),
        ("/api/auth/password/reset", {"token": "garbage", "new_password": NEW_PASSWORD}, 400,
         "token_invalid"),
        ("/api/auth/password/forgot", {"email": 42}, 422, "validation_error"),
        ("/api/auth/password/forgot", {"email": "a@b.co", "extra": 1}, 422, "validation_error"),
    ],
)  # fmt: skip
async def test_bad_mail_flow_input_is_a_clean_4xx(
    api: Api, path: str, body: dict[str, object], status: int, code: str
) -> None:
    assert_problem(await api.client.post(path, json=body), status, code)


async def test_stopping_the_server_lets_the_mail_under_way_go_out(
    wiring_environment: dict[str, str], smtp_sink: SmtpSink
) -> None:
    smtp_sink.data_delay = 1.0
    environment = {**wiring_environment, "SCRIPTHUB_SMTP_URL": smtp_sink.url()}
    container = build_container(load_settings(environment, env_file=None))
    async with AsyncTestClient(app=create_app(container)) as client:
        await Api(client, container).register()
        await smtp_sink.wait_busy()

    assert len(smtp_sink.received) == 1
    counts = await container.adapters.outbox_dispatch_store().count_by_status()
    assert (counts[DeliveryStatus.SENT], counts[DeliveryStatus.PENDING]) == (1, 0)
    await close_container(container)
