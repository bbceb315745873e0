"""Moderation over HTTP on both wirings: the moderators' queue, resolving a report (dismiss,
or uphold with none, unlist, delete or suspend_author), once even when two moderators resolve
at once; mails, audit, and the public log, which never names the reporter."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.client import Api, assert_problem, audited_metadata
from tests.api.mails import body_of, next_mail
from tests.api.report_calls import filed, moderator, owner_and_script, resolve
from tests.api.script_calls import audited
from tests.smtp_sink import SmtpSink


async def reported(
    api: Api, **body: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A fresh owner, their script, a verified reporter and the report they filed."""
    owner, script = await owner_and_script(api)
    reporter = await api.verified_user()
    report = await filed(api, reporter["access_token"], script["id"], **body)
    return owner, script, reporter, report


async def test_the_queue_is_for_moderators_filtered_sorted_and_paged(api: Api) -> None:
    _, script = await owner_and_script(api)
    reports = []
    for reason in ("spam", "malware", "spam"):
        reporter = await api.verified_user()
        reports.append(await filed(api, reporter["access_token"], script["id"], reason=reason))
    token = await moderator(api)
    ids = [r["id"] for r in reports]

    newest = await api.get("/api/moderation/reports", token, params={"reason": "spam"})
    oldest = await api.get(
        "/api/moderation/reports", token, params={"sort": "oldest", "limit": 2, "status": "open"}
    )
    following = await api.get(
        "/api/moderation/reports",
        token,
        params={
            "sort": "oldest",
            "limit": 2,
            "status": "open",
            "cursor": oldest.json()["next_cursor"],
        },
    )
    upheld = await api.get("/api/moderation/reports", token, params={"status": "upheld"})
    odd = await api.get("/api/moderation/reports", token, params={"sort": "loudest"})
    user = await api.get("/api/moderation/reports", (await api.register())["access_token"])

    assert [r["id"] for r in newest.json()["items"] if r["id"] in ids] == [ids[2], ids[0]]
    assert all("reporter" in r for r in newest.json()["items"])
    mine = [r["id"] for r in oldest.json()["items"] + following.json()["items"] if r["id"] in ids]
    assert mine == ids
    assert all(r["id"] not in ids for r in upheld.json()["items"])
    assert_problem(odd, 400, "bad_request")
    assert_problem(user, 403, "forbidden")


async def test_a_dismissed_report_is_closed_once_audited_and_kept_out_of_the_log(
    api: Api,
) -> None:
    _, script, _, report = await reported(api)
    token = await moderator(api)

    dismissed = await resolve(api, token, report["id"], decision="dismiss", note="Not malware.")
    again = await resolve(api, token, report["id"], decision="uphold", action="none")
    log = await api.get("/api/moderation/log")

    assert dismissed.status_code == 200, dismissed.text
    body = dismissed.json()
    assert body["status"] == "dismissed"
    assert body["resolution"]["decision"] == "dismiss"
    assert (body["resolution"]["action"], body["resolution"]["note"]) == (None, "Not malware.")
    assert_problem(again, 409, "conflict")
    assert report["id"] not in log.text
    entries = await audited(api, "report.resolved", report["id"])
    assert [audited_metadata(e) for e in entries] == [
        {
            "decision": "dismiss",
            "action": None,
            "script_id": script["id"],
            "owner_id": script["owner"]["id"],
        }
    ]


async def test_resolutions_that_do_not_add_up_are_422_naming_the_field(api: Api) -> None:
    _, _, _, report = await reported(api)
    token = await moderator(api)
    cases = [
        ({"decision": "uphold"}, "action"),
        ({"decision": "dismiss", "action": "unlist"}, "action"),
        ({"decision": "uphold", "action": "delete"}, "mode"),
        ({"decision": "uphold", "action": "unlist", "mode": "keep"}, "mode"),
        ({"decision": "uphold", "action": "delete", "mode": "redirect"}, "redirect_to"),
        (
            {
                "decision": "uphold",
                "action": "delete",
                "mode": "redirect",
                "redirect_to": report["script"]["id"],
            },
            "redirect_to",
        ),
        (
            {
                "decision": "uphold",
                "action": "delete",
                "mode": "keep",
                "redirect_to": str(uuid.uuid4()),
            },
            "redirect_to",
        ),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "dismiss", "note": "x" * 2001}, "note"),
    ]
    for body, field in cases:
        response = await resolve(api, token, report["id"], **body)
        problem = assert_problem(response, 422, "validation_error")
        assert [e["field"] for e in problem["errors"]] == [field], body

    listed = await api.get("/api/moderation/reports", token, params={"status": "open"})
    assert report["id"] in [r["id"] for r in listed.json()["items"]]
    assert_problem(
        await resolve(api, token, str(uuid.uuid4()), decision="dismiss"), 404, "not_found"
    )


async def test_unlisting_keeps_the_owner_from_making_the_script_public_again(api: Api) -> None:
    owner, script, _, report = await reported(api)
    token = await moderator(api)
    path = f"/api/scripts/{script['id']}"

    upheld = await resolve(api, token, report["id"], decision="uphold", action="unlist")
    shown = await api.get(path)
    by_owner = await api.send("PATCH", path, owner["access_token"], json={"visibility": "public"})
    private = await api.send("PATCH", path, owner["access_token"], json={"visibility": "private"})
    by_moderator = await api.send("PATCH", path, token, json={"visibility": "public"})
    later = await api.send("PATCH", path, owner["access_token"], json={"visibility": "unlisted"})
    back = await api.send("PATCH", path, owner["access_token"], json={"visibility": "public"})

    assert upheld.status_code == 200, upheld.text
    assert (upheld.json()["status"], upheld.json()["resolution"]["action"]) == ("upheld", "unlist")
    assert shown.json()["visibility"] == "unlisted"
    assert_problem(by_owner, 409, "conflict")
    assert private.status_code == 200, private.text
    assert by_moderator.status_code == 200, by_moderator.text
    assert later.status_code == 200
    assert back.status_code == 200, back.text
    entries = await audited(api, "report.resolved", report["id"])
    assert audited_metadata(entries[0])["action"] == "unlist"
    assert audited_metadata(entries[0])["owner_id"] == owner["user"]["id"]
    updates = await audited(api, "script.updated", script["id"])
    assert audited_metadata(updates[-1]) == {
        "fields": ["visibility"],
        "report_id": report["id"],
        "owner_id": owner["user"]["id"],
    }


async def test_an_unlisting_and_the_owner_making_the_script_public_at_once_end_unlisted(
    api: Api,
) -> None:
    token = await moderator(api)
    for _ in range(3):
        owner, script, _, report = await reported(api)
        path = f"/api/scripts/{script['id']}"
        hidden = await api.send(
            "PATCH", path, owner["access_token"], json={"visibility": "unlisted"}
        )
        assert hidden.status_code == 200, hidden.text
        requests = [
            api.request("PATCH", path, owner["access_token"], json={"visibility": "public"}),
            api.request(
                "POST",
                f"/api/reports/{report['id']}/resolve",
                token,
                json={"decision": "uphold", "action": "unlist"},
            ),
        ]

        edit, resolution = await api.at_once(*requests)

        assert resolution.status_code == 200, resolution.text
        assert edit.status_code in (200, 409), edit.text
        assert (await api.get(path)).json()["visibility"] == "unlisted"
        again = await api.send("PATCH", path, owner["access_token"], json={"visibility": "public"})
        assert_problem(again, 409, "conflict")


async def test_an_unlisting_after_the_owner_made_the_script_public_is_audited(
    api: Api,
) -> None:
    token = await moderator(api)
    for _ in range(12):
        owner, script, _, report = await reported(api)
        path = f"/api/scripts/{script['id']}"
        hidden = await api.send(
            "PATCH", path, owner["access_token"], json={"visibility": "unlisted"}
        )
        assert hidden.status_code == 200, hidden.text
        requests = [
            api.request("PATCH", path, owner["access_token"], json={"visibility": "public"}),
            api.request(
                "POST",
                f"/api/reports/{report['id']}/resolve",
                token,
                json={"decision": "uphold", "action": "unlist"},
            ),
        ]

        edit, resolution = await api.at_once(*requests)

        assert resolution.status_code == 200, resolution.text
        assert (await api.get(path)).json()["visibility"] == "unlisted"
        entries = [audited_metadata(e) for e in await audited(api, "script.updated", script["id"])]
        by_report = [e for e in entries if e.get("report_id") == report["id"]]
        # The owner's edit made it public (200): the unlisting that followed changed it back.
        assert len(by_report) == (1 if edit.status_code == 200 else 0), (edit.text, entries)


async def test_deleting_takes_the_script_down_with_its_mode(api: Api) -> None:
    owner, script, reporter, report = await reported(api)
    token = await moderator(api)

    upheld = await resolve(
        api, token, report["id"], decision="uphold", action="delete", mode="keep", note="Malware."
    )
    gone = await api.get(f"/api/scripts/{script['id']}")
    mine = await api.get("/api/users/me/reports", reporter["access_token"])

    assert upheld.status_code == 200, upheld.text
    resolution = upheld.json()["resolution"]
    assert (resolution["action"], resolution["mode"], resolution["redirect_to"]) == (
        "delete",
        "keep",
        None,
    )
    assert_problem(gone, 404, "not_found")
    assert mine.json()["items"][0]["status"] == "upheld"
    assert mine.json()["items"][0]["script"]["name"] == script["name"]
    entries = await audited(api, "report.resolved", report["id"])
    assert audited_metadata(entries[0]) == {
        "decision": "uphold",
        "action": "delete",
        "mode": "keep",
        "script_id": script["id"],
        "owner_id": owner["user"]["id"],
    }
    deleted = await audited(api, "script.deleted", script["id"])
    assert [audited_metadata(e) for e in deleted] == [
        {"mode": "keep", "report_id": report["id"], "owner_id": owner["user"]["id"]}
    ]


async def test_deleting_blank_takes_the_script_down_with_a_kill_switch(api: Api) -> None:
    _, script, _, report = await reported(api)
    token = await moderator(api)

    upheld = await resolve(
        api, token, report["id"], decision="uphold", action="delete", mode="blank"
    )

    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["resolution"]["mode"] == "blank"
    assert_problem(await api.get(f"/api/scripts/{script['id']}"), 404, "not_found")
    entries = await audited(api, "report.resolved", report["id"])
    assert audited_metadata(entries[0])["mode"] == "blank"


async def test_deleting_with_a_redirect_needs_another_public_script(api: Api) -> None:
    _, script, _, report = await reported(api)
    _, target = await owner_and_script(api, name="Better Dark Mode")
    token = await moderator(api)
    body = {"decision": "uphold", "action": "delete", "mode": "redirect"}

    missing = await resolve(api, token, report["id"], **body, redirect_to=str(uuid.uuid4()))
    still = await api.get(f"/api/scripts/{script['id']}")
    upheld = await resolve(api, token, report["id"], **body, redirect_to=target["id"])

    assert assert_problem(missing, 422, "validation_error")["errors"][0]["field"] == "redirect_to"
    assert still.status_code == 200
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["resolution"]["redirect_to"] == target["id"]
    assert_problem(await api.get(f"/api/scripts/{script['id']}"), 404, "not_found")


async def test_suspending_the_author_ends_their_sessions_and_hides_their_scripts(
    api: Api,
) -> None:
    owner, script, _, report = await reported(api)
    token = await moderator(api)

    upheld = await resolve(api, token, report["id"], decision="uphold", action="suspend_author")
    signed_out = await api.get("/api/users/me", owner["access_token"])
    hidden = await api.get(f"/api/scripts/{script['id']}")

    assert upheld.status_code == 200, upheld.text
    assert signed_out.status_code == 401
    assert_problem(hidden, 404, "not_found")
    changed = await audited(api, "user.status_changed", owner["user"]["id"])
    assert audited_metadata(changed[0]) == {
        "from": "active",
        "to": "suspended",
        "report_id": report["id"],
    }


async def test_two_moderators_resolving_at_once_one_wins(api: Api) -> None:
    tokens = [await moderator(api), (await api.role_holder("admin"))["access_token"]]
    for _ in range(3):
        _, script, _, report = await reported(api)
        path = f"/api/reports/{report['id']}/resolve"
        requests = [
            api.request("POST", path, tokens[0], json={"decision": "dismiss"}),
            api.request("POST", path, tokens[1], json={"decision": "uphold", "action": "unlist"}),
        ]

        responses = await api.at_once(*requests)

        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        winner = next(r for r in responses if r.status_code == 200).json()
        entries = await audited(api, "report.resolved", report["id"])
        assert [audited_metadata(e)["decision"] for e in entries] == [
            winner["resolution"]["decision"]
        ]
        shown = (await api.get(f"/api/scripts/{script['id']}")).json()
        unlisted = winner["resolution"]["action"] == "unlist"
        assert shown["visibility"] == ("unlisted" if unlisted else "public")


async def test_the_public_log_shows_upheld_reports_newest_first_without_the_reporter(
    api: Api,
) -> None:
    token = await moderator(api)
    first = await reported(api, reason="spam")
    second = await reported(api, reason="copyright")
    await resolve(api, token, first[3]["id"], decision="uphold", action="none", note="Spam.")
    await resolve(api, token, second[3]["id"], decision="uphold", action="unlist")

    log = await api.get("/api/moderation/log")
    paged = await api.get("/api/moderation/log", params={"limit": 1})

    assert log.status_code == 200, log.text
    items = [i for i in log.json()["items"] if i["id"] in (first[3]["id"], second[3]["id"])]
    assert [(i["reason"], i["action"]) for i in items] == [
        ("copyright", "unlist"),
        ("spam", "none"),
    ]
    assert items[1] == {
        "id": first[3]["id"],
        "script": {"id": first[1]["id"], "name": first[1]["name"]},
        "reason": "spam",
        "action": "none",
        "mode": None,
        "note": "Spam.",
        "at": items[1]["at"],
    }
    for _, _, reporter, _ in (first, second):
        assert reporter["user"]["id"] not in log.text
        assert reporter["user"]["username"] not in log.text
    assert len(paged.json()["items"]) == 1
    assert paged.json()["next_cursor"] is not None


async def test_the_owner_and_the_reporter_are_mailed_the_decision(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    owner, script, reporter, report = await reported(mail_api)
    token = await moderator(mail_api)
    await resolve(mail_api, token, report["id"], decision="uphold", action="none", note="Fixed?")

    to_owner = await next_mail(smtp_sink, owner["user"]["email"], seen=2)
    to_reporter = await next_mail(smtp_sink, reporter["user"]["email"], seen=1)

    for mail in (to_owner, to_reporter):
        assert script["name"] in mail["Subject"]
        assert "upheld" in body_of(mail)
        assert "Fixed?" in body_of(mail)
    assert reporter["user"]["username"] not in body_of(to_owner)
