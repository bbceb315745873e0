"""Log lines of a request: one access line per request, JSON in production and readable in
development, and the request's id in its answer, in every line it logs and in its audit
entries."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from scripthub.entrypoints.logs import configure_logging, reset_logging
from tests.api.client import Api
from tests.api.mails import link_in, next_mail, token_of
from tests.smtp_sink import SmtpSink

CONFIRM = "/api/users/me/email/confirm"


def lines_of(output: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.getvalue().splitlines()]


async def test_a_request_logs_one_json_access_line_and_carries_its_id_everywhere(
    mail_api: Api, smtp_sink: SmtpSink, log_output: io.StringIO
) -> None:
    admin = await mail_api.admin()
    pair = await mail_api.register()
    new_email = f"moved.{pair['user']['email']}"
    body = {"email": new_email, "current_password": pair["password"]}
    asked = await mail_api.send("POST", "/api/users/me/email", pair["access_token"], json=body)
    assert asked.status_code == 202, asked.text
    token = token_of(link_in(await next_mail(smtp_sink, new_email), "confirm-email"))

    confirmed = await mail_api.send("POST", CONFIRM, pair["access_token"], json={"token": token})

    request_id = confirmed.headers["x-request-id"]
    lines = lines_of(log_output)
    [access] = [line for line in lines if line.get("request_id") == request_id and "route" in line]
    assert access == {
        "event": f"POST {CONFIRM} 200",
        "logger": "scripthub.access",
        "level": "info",
        "timestamp": access["timestamp"],
        "method": "POST",
        "route": CONFIRM,
        "status": 200,
        "duration_ms": access["duration_ms"],
        "client_ip": "testclient",
        "request_id": request_id,
        "user_id": pair["user"]["id"],
    }
    assert access["duration_ms"] > 0
    assert access["timestamp"].endswith("Z")
    [in_use_case] = [line for line in lines if "moved to a new email address" in line["event"]]
    assert (in_use_case["request_id"], in_use_case["user_id"]) == (request_id, pair["user"]["id"])
    entries = await mail_api.get(
        "/api/audit-logs",
        admin["access_token"],
        params={"action": "user.email_changed", "resource_id": pair["user"]["id"]},
    )
    [entry] = entries.json()["items"]
    assert entry["metadata"]["request_id"] == request_id


async def test_each_request_has_one_access_line_even_unrouted_ones(
    api: Api, log_output: io.StringIO
) -> None:
    answers = [await api.get("/api/nowhere"), await api.get("/health/live")]

    access = [line for line in lines_of(log_output) if line["logger"] == "scripthub.access"]
    assert [(line["route"], line["status"]) for line in access] == [
        ("unmatched", 404),
        ("/health/live", 200),
    ]
    assert [line["request_id"] for line in access] == [
        answer.headers["x-request-id"] for answer in answers
    ]
    assert [line["user_id"] for line in access] == [None, None]


async def test_development_lines_are_readable_not_json(api: Api) -> None:
    output = io.StringIO()
    configure_logging(production=False, level="INFO", stream=output)
    try:
        answer = await api.get("/health/live")
    finally:
        reset_logging()

    [line] = [line for line in output.getvalue().splitlines() if "scripthub.access" in line]
    assert "GET /health/live 200" in line
    assert f"request_id={answer.headers['x-request-id']}" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
