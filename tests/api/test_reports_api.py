"""Reports over HTTP on both wirings: filed by verified users on others' scripts, once while
open (also when sent at once), ten a day; seen by the reporter, by the owner without the
reporter, by moderators with them; answered once by the owner; mailed and audited."""

from __future__ import annotations

import uuid

from tests.api.client import Api, assert_problem, audited_metadata
from tests.api.mails import body_of, next_mail
from tests.api.report_calls import file, filed, moderator, owner_and_script
from tests.api.script_calls import audited, publish
from tests.api.token_calls import READ, make_token
from tests.smtp_sink import SmtpSink

REPORT_KEYS = {
    "id",
    "script",
    "reason",
    "details",
    "version",
    "status",
    "rebuttal",
    "resolution",
    "created_at",
}


async def test_a_verified_user_reports_a_script_and_sees_it_among_their_reports(
    api: Api,
) -> None:
    _, script = await owner_and_script(api)
    reporter = await api.verified_user()
    token = reporter["access_token"]

    response = await file(api, token, script["id"], "spam", version="1.0")
    mine = await api.get("/api/users/me/reports", token)

    assert response.status_code == 201, response.text
    report = response.json()
    assert set(report) == REPORT_KEYS
    assert report["script"] == {"id": script["id"], "name": script["name"]}
    assert (report["reason"], report["version"], report["status"]) == ("spam", "1.0", "open")
    assert (report["rebuttal"], report["resolution"]) == (None, None)
    assert [item["id"] for item in mine.json()["items"]] == [report["id"]]
    assert "reporter" not in mine.json()["items"][0]
    entries = await audited(api, "report.filed", report["id"])
    assert [audited_metadata(e) for e in entries] == [
        {"script_id": script["id"], "owner_id": script["owner"]["id"], "reason": "spam"}
    ]
    assert entries[0]["actor_id"] == reporter["user"]["id"]


async def test_reporting_needs_a_verified_email_and_someone_elses_script(api: Api) -> None:
    owner, script = await owner_and_script(api)
    unverified = (await api.register())["access_token"]
    api.verify_email(owner["user"]["id"])

    assert_problem(await file(api, unverified, script["id"]), 403, "email_not_verified")
    assert_problem(await file(api, owner["access_token"], script["id"]), 403, "forbidden")
    assert_problem(await file(api, unverified, str(uuid.uuid4())), 404, "not_found")
    assert (await api.send("POST", f"/api/scripts/{script['id']}/reports")).status_code == 401


async def test_bad_bodies_are_refused_naming_the_field(api: Api) -> None:
    _, script = await owner_and_script(api)
    token = (await api.verified_user())["access_token"]

    odd_reason = await file(api, token, script["id"], "ugly")
    blank = await file(api, token, script["id"], details="   ")
    long = await file(api, token, script["id"], details="x" * 2001)
    no_version = await file(api, token, script["id"], version="9.9")

    assert assert_problem(odd_reason, 422, "validation_error")["errors"][0]["field"] == "reason"
    assert assert_problem(blank, 422, "validation_error")["errors"][0]["field"] == "details"
    assert assert_problem(long, 422, "validation_error")["errors"][0]["field"] == "details"
    assert_problem(no_version, 404, "not_found")
    assert (await api.get("/api/users/me/reports", token)).json()["items"] == []


async def test_one_open_report_per_reporter_and_script_even_when_sent_at_once(api: Api) -> None:
    _, script = await owner_and_script(api)
    for _ in range(3):
        reporter = await api.verified_user()
        token = reporter["access_token"]
        path = f"/api/scripts/{script['id']}/reports"
        body = {"reason": "malware", "details": "Twice at once."}
        responses = await api.at_once(
            *(api.request("POST", path, token, json=body) for _ in range(4))
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409, 409, 409], [r.text for r in responses]
        for refused in (r for r in responses if r.status_code == 409):
            assert_problem(refused, 409, "conflict")
        mine = (await api.get("/api/users/me/reports", token)).json()["items"]
        assert len(mine) == 1
        entries = await audited(api, "report.filed", mine[0]["id"])
        assert len(entries) == 1


async def test_ten_reports_a_day_then_429_with_retry_after(api: Api) -> None:
    token = (await api.verified_user())["access_token"]
    owner = (await api.register())["access_token"]
    scripts = [await publish(api, owner, name=f"Target {n}") for n in range(11)]
    for script in scripts[:10]:
        await filed(api, token, script["id"])

    refused = await file(api, token, scripts[10]["id"])

    assert_problem(refused, 429, "too_many_reports")
    assert 0 < int(refused.headers["retry-after"]) <= 86400
    assert len((await api.get("/api/users/me/reports", token)).json()["items"]) == 10


async def test_the_owner_sees_reports_without_the_reporter_and_moderators_with_them(
    api: Api,
) -> None:
    owner, script = await owner_and_script(api)
    reporter = await api.verified_user()
    report = await filed(api, reporter["access_token"], script["id"])
    path = f"/api/scripts/{script['id']}/reports"

    as_owner = await api.get(path, owner["access_token"])
    as_moderator = await api.get(path, await moderator(api))
    as_stranger = await api.get(path, (await api.register())["access_token"])

    assert [r["id"] for r in as_owner.json()["items"]] == [report["id"]]
    assert "reporter" not in as_owner.json()["items"][0]
    assert reporter["user"]["id"] not in as_owner.text
    assert reporter["user"]["username"] not in as_owner.text
    assert as_moderator.json()["items"][0]["reporter"] == {
        "id": reporter["user"]["id"],
        "username": reporter["user"]["username"],
    }
    assert_problem(as_stranger, 403, "forbidden")


async def test_the_owner_answers_once(api: Api) -> None:
    owner, script = await owner_and_script(api)
    reporter = await api.verified_user()
    report = await filed(api, reporter["access_token"], script["id"])
    path = f"/api/reports/{report['id']}/rebuttal"

    by_reporter = await api.send("POST", path, reporter["access_token"], json={"text": "No"})
    empty = await api.send("POST", path, owner["access_token"], json={"text": ""})
    answered = await api.send("POST", path, owner["access_token"], json={"text": "It is fine."})
    again = await api.send("POST", path, owner["access_token"], json={"text": "Really."})
    stranger = await api.send(
        "POST", path, (await api.register())["access_token"], json={"text": "x"}
    )

    assert_problem(by_reporter, 403, "forbidden")
    assert assert_problem(empty, 422, "validation_error")["errors"][0]["field"] == "text"
    assert answered.status_code == 200, answered.text
    assert answered.json()["rebuttal"] == "It is fine."
    assert "reporter" not in answered.json()
    assert_problem(again, 409, "conflict")
    assert_problem(stranger, 404, "not_found")
    entries = await audited(api, "report.rebutted", report["id"])
    assert [audited_metadata(e) for e in entries] == [{"script_id": script["id"]}]


async def test_an_owner_rebutting_twice_at_once_is_heard_once(api: Api) -> None:
    owner, script = await owner_and_script(api)
    for round_ in range(3):
        reporter = await api.verified_user()
        report = await filed(api, reporter["access_token"], script["id"])
        path = f"/api/reports/{report['id']}/rebuttal"
        requests = [
            api.request("POST", path, owner["access_token"], json={"text": f"answer {n}"})
            for n in range(3)
        ]

        responses = await api.at_once(*requests)

        assert sorted(r.status_code for r in responses) == [200, 409, 409], round_
        kept = next(r for r in responses if r.status_code == 200).json()["rebuttal"]
        listed = await api.get(f"/api/scripts/{script['id']}/reports", owner["access_token"])
        assert (
            next(r for r in listed.json()["items"] if r["id"] == report["id"])["rebuttal"] == kept
        )
        assert len(await audited(api, "report.rebutted", report["id"])) == 1


async def test_the_owner_is_mailed_of_a_report_without_the_reporters_name(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    owner, script = await owner_and_script(mail_api)
    reporter = await mail_api.verified_user()
    await filed(mail_api, reporter["access_token"], script["id"], details="Mines coins.")

    mail = await next_mail(smtp_sink, owner["user"]["email"], seen=1)  # after verification

    text = body_of(mail)
    assert script["name"] in mail["Subject"]
    assert "Mines coins." in text
    assert "malware" in text
    assert reporter["user"]["username"] not in text
    assert reporter["user"]["email"] not in text
    assert reporter["user"]["username"] not in str(mail.get_body(("html",)).get_content())


async def test_reports_sent_at_once_never_pass_the_daily_limit(api: Api) -> None:
    token = (await api.verified_user())["access_token"]
    owner = (await api.register())["access_token"]
    scripts = [await publish(api, owner, name=f"Many {n}") for n in range(12)]
    for script in scripts[:8]:
        await filed(api, token, script["id"])
    body = {"reason": "spam", "details": "At once."}
    requests = [
        api.request("POST", f"/api/scripts/{s['id']}/reports", token, json=body)
        for s in scripts[8:]
    ]

    # Four at once (the test client sends each from a thread of a small pool).
    responses = await api.at_once(*requests)

    assert sorted(r.status_code for r in responses) == [201, 201, 429, 429]
    mine = (await api.get("/api/users/me/reports", token, params={"limit": 100})).json()
    assert len(mine["items"]) == 10


async def test_a_personal_access_token_cannot_report_nor_read_reports(api: Api) -> None:
    _, script = await owner_and_script(api)
    reporter = await api.verified_user()
    token = (await make_token(api, reporter["access_token"], scopes=READ))["secret"]

    assert_problem(await file(api, token, script["id"]), 403, "token_scope")
    assert_problem(await api.get("/api/users/me/reports", token), 403, "token_scope")
