"""Co-authors and ownership transfer over HTTP on both wirings: invitations (mailed, listed,
accepted once), who may do what (co-authors publish and edit metadata; only the owner deletes,
sets the source, changes the slug or visibility, manages co-authors and transfers), removal
and leaving (tokens limited to the script stop publishing at once), transfers, the audit
trail, and the races: two accepts, an accepted offer against a removal, a publication
against a removal."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import update

from scripthub.adapters.sqlalchemy.script_authors_table import script_invitations
from tests.api.client import Api, assert_problem, audited_metadata
from tests.api.mails import body_of
from tests.api.script_calls import audited, post_version, publish
from tests.api.test_administration_api import counted_statements
from tests.api.token_calls import make_token
from tests.smtp_sink import SmtpSink
from tests.userscripts import userscript

RACES = 4


async def _mail_about(sink: SmtpSink, to: str, subject: str) -> EmailMessage:
    """The first mail to `to` whose subject holds `subject`."""
    for _ in range(200):
        for message in sink.messages:
            if message["To"] == to and subject in message["Subject"]:
                return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail about {subject!r} to {to}")


async def _invite(api: Api, owner: str, script_id: str, username: str) -> Any:
    return await api.send(
        "POST", f"/api/scripts/{script_id}/authors", owner, json={"username": username}
    )


async def _accept(api: Api, token: str, invitation_id: str) -> Any:
    return await api.send("POST", f"/api/invitations/{invitation_id}/accept", token)


async def _co_author(api: Api, owner: str, script_id: str, pair: dict[str, Any]) -> None:
    invited = await _invite(api, owner, script_id, pair["user"]["username"])
    assert invited.status_code == 201, invited.text
    accepted = await _accept(api, pair["access_token"], invited.json()["id"])
    assert accepted.status_code == 200, accepted.text


async def _remove(api: Api, token: str, script_id: str, user_id: str) -> Any:
    return await api.send("DELETE", f"/api/scripts/{script_id}/authors/{user_id}", token)


async def test_an_invitation_is_mailed_listed_and_accepted_into_the_script_authors(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    api = mail_api
    owner = await api.register()
    guest = await api.register()
    script = await publish(api, owner["access_token"])

    invited = await _invite(api, owner["access_token"], script["id"], guest["user"]["username"])
    mail = await _mail_about(smtp_sink, guest["user"]["email"], "invites you to co-author")
    own = await api.get("/api/users/me/invitations", guest["access_token"])
    of_script = await api.get(f"/api/scripts/{script['id']}/invitations", owner["access_token"])
    accepted = await _accept(api, guest["access_token"], invited.json()["id"])
    shown = await api.get(f"/api/scripts/{script['id']}")
    listed = await api.get("/api/scripts")
    after = await api.get("/api/users/me/invitations", guest["access_token"])

    assert invited.status_code == 201, invited.text
    invitation = invited.json()
    assert invitation["kind"] == "author"
    assert invitation["user_id"] == guest["user"]["id"]
    assert invitation["script_id"] == script["id"]
    assert invitation["invited_by"] == owner["user"]["id"]
    assert invitation["id"] in body_of(mail)
    assert [item["id"] for item in own.json()["items"]] == [invitation["id"]]
    assert own.json()["items"][0]["script_name"] == "Dark Mode"
    assert [item["username"] for item in of_script.json()["items"]] == [guest["user"]["username"]]
    assert accepted.status_code == 200, accepted.text
    author = {"id": guest["user"]["id"], "username": guest["user"]["username"]}
    assert accepted.json()["authors"] == [author]
    assert accepted.json()["owner"]["id"] == owner["user"]["id"]
    assert shown.json()["authors"] == [author]
    assert [s["authors"] for s in listed.json()["items"]] == [[author]]
    assert after.json()["items"] == []
    invited_entries = await audited(api, "script.author_invited", script["id"])
    added = await audited(api, "script.author_added", script["id"])
    assert [audited_metadata(e) for e in invited_entries] == [
        {
            "user_id": guest["user"]["id"],
            "invitation_id": invitation["id"],
            "owner_id": owner["user"]["id"],
        }
    ]
    assert [e["actor_id"] for e in added] == [guest["user"]["id"]]


async def test_invitations_are_refused_by_every_rule(api: Api) -> None:
    owner = await api.register()
    guest = await api.register()
    other = await api.register()
    script = await publish(api, owner["access_token"])
    sid = script["id"]
    first = await _invite(api, owner["access_token"], sid, guest["user"]["username"])

    stranger = await _invite(api, other["access_token"], sid, guest["user"]["username"])
    unknown = await _invite(api, owner["access_token"], sid, "nobody-here")
    malformed = await _invite(api, owner["access_token"], sid, "no")
    oneself = await _invite(api, owner["access_token"], sid, owner["user"]["username"])
    again = await _invite(api, owner["access_token"], sid, guest["user"]["username"])
    empty = await _invite(api, owner["access_token"], sid, "")
    extra = await api.send(
        "POST", f"/api/scripts/{sid}/authors", owner["access_token"], json={"username": 5}
    )
    await _accept(api, guest["access_token"], first.json()["id"])
    co_author = await _invite(api, owner["access_token"], sid, guest["user"]["username"])
    by_co_author = await _invite(api, guest["access_token"], sid, other["user"]["username"])
    missing = await _invite(api, owner["access_token"], "not-an-id", other["user"]["username"])

    assert_problem(stranger, 403, "forbidden")
    assert_problem(unknown, 404, "not_found")
    assert assert_problem(oneself, 422, "validation_error")["errors"][0]["field"] == "username"
    assert_problem(again, 409, "conflict")
    assert_problem(empty, 422, "validation_error")
    assert assert_problem(malformed, 422, "validation_error")["errors"][0]["field"] == "username"
    assert_problem(extra, 422, "validation_error")
    assert_problem(co_author, 409, "conflict")
    assert_problem(by_co_author, 403, "forbidden")
    assert_problem(missing, 404, "not_found")
    denied = await audited(api, "access.denied", sid)
    assert sorted(e["actor_id"] for e in denied) == sorted(
        [other["user"]["id"], guest["user"]["id"]]
    )
    assert all(audited_metadata(e)["requires"] == "owner" for e in denied)


async def test_an_inactive_account_is_not_invited(api: Api) -> None:
    owner = await api.register()
    guest = await api.register()
    admin = await api.admin()
    script = await publish(api, owner["access_token"])
    suspended = await api.send(
        "PATCH",
        f"/api/users/{guest['user']['id']}/status",
        admin["access_token"],
        json={"account_status": "suspended"},
    )
    assert suspended.status_code == 200, suspended.text

    invited = await _invite(api, owner["access_token"], script["id"], guest["user"]["username"])

    assert_problem(invited, 404, "not_found")


async def test_a_script_has_at_most_ten_co_authors_pending_invitations_included(
    api: Api,
) -> None:
    owner = await api.register()
    script = await publish(api, owner["access_token"])
    guests = [await api.register() for _ in range(11)]
    for guest in guests[:3]:
        await _co_author(api, owner["access_token"], script["id"], guest)
    pending = [
        await _invite(api, owner["access_token"], script["id"], guest["user"]["username"])
        for guest in guests[3:10]
    ]

    eleventh = await _invite(
        api, owner["access_token"], script["id"], guests[10]["user"]["username"]
    )
    removed = await _remove(api, owner["access_token"], script["id"], guests[3]["user"]["id"])
    then = await _invite(api, owner["access_token"], script["id"], guests[10]["user"]["username"])

    assert [r.status_code for r in pending] == [201] * 7
    assert_problem(eleventh, 409, "conflict")
    assert removed.status_code == 204, removed.text
    assert then.status_code == 201, then.text


async def test_only_the_invited_user_accepts_and_only_once(api: Api) -> None:
    owner = await api.register()
    guest = await api.register()
    other = await api.register()
    script = await publish(api, owner["access_token"])
    invited = await _invite(api, owner["access_token"], script["id"], guest["user"]["username"])
    invitation_id = invited.json()["id"]

    by_other = await _accept(api, other["access_token"], invitation_id)
    by_owner = await _accept(api, owner["access_token"], invitation_id)
    malformed = await _accept(api, guest["access_token"], "nope")
    first = await _accept(api, guest["access_token"], invitation_id)
    second = await _accept(api, guest["access_token"], invitation_id)

    assert_problem(by_other, 404, "not_found")
    assert_problem(by_owner, 404, "not_found")
    assert_problem(malformed, 404, "not_found")
    assert first.status_code == 200, first.text
    assert "accepted already" in assert_problem(second, 410, "gone")["detail"]


async def test_a_revoked_invitation_is_gone(api: Api) -> None:
    owner = await api.register()
    guest = await api.register()
    script = await publish(api, owner["access_token"])
    invited = await _invite(api, owner["access_token"], script["id"], guest["user"]["username"])

    revoked = await _remove(api, owner["access_token"], script["id"], guest["user"]["id"])
    accepted = await _accept(api, guest["access_token"], invited.json()["id"])
    unknown = await _remove(api, owner["access_token"], script["id"], guest["user"]["id"])

    assert revoked.status_code == 204, revoked.text
    assert "revoked" in assert_problem(accepted, 410, "gone")["detail"]
    assert_problem(unknown, 404, "not_found")
    assert len(await audited(api, "script.invitation_revoked", script["id"])) == 1


async def test_co_authors_publish_and_edit_metadata_but_only_the_owner_does_the_rest(
    api: Api,
) -> None:
    owner = await api.register()
    guest = await api.register()
    other = await api.register()
    script = await publish(api, owner["access_token"], visibility="private")
    sid = script["id"]
    await _co_author(api, owner["access_token"], sid, guest)
    token = guest["access_token"]

    seen = await api.get(f"/api/scripts/{sid}", token)
    version = await post_version(api, token, sid, code=userscript("1.1"))
    renamed = await api.send("PATCH", f"/api/scripts/{sid}", token, json={"tags": ["dark"]})
    slug = await api.send("PATCH", f"/api/scripts/{sid}", token, json={"slug": "mine"})
    visibility = await api.send(
        "PATCH", f"/api/scripts/{sid}", token, json={"visibility": "public"}
    )
    deleted = await api.send("DELETE", f"/api/scripts/{sid}", token)
    source = await api.send(
        "PUT",
        f"/api/scripts/{sid}/source",
        token,
        json={"url": "https://example.com/a.user.js", "sync": "manual"},
    )
    transfer = await api.send(
        "POST", f"/api/scripts/{sid}/transfer", token, json={"username": other["user"]["username"]}
    )
    listing = await api.get(f"/api/scripts/{sid}/invitations", token)
    hidden = await api.get(f"/api/scripts/{sid}", other["access_token"])

    assert seen.status_code == 200, seen.text
    assert version.status_code == 201, version.text
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["tags"] == ["dark"]
    assert_problem(slug, 403, "forbidden")
    assert_problem(visibility, 403, "forbidden")
    assert_problem(deleted, 403, "forbidden")
    assert_problem(source, 403, "forbidden")
    assert_problem(transfer, 403, "forbidden")
    assert_problem(listing, 403, "forbidden")
    assert_problem(hidden, 404, "not_found")
    published = await audited(api, "script.version_published", sid)
    assert sorted(e["actor_id"] for e in published) == sorted(
        [owner["user"]["id"], guest["user"]["id"]]
    )
    denied = await audited(api, "access.denied", sid)
    assert {e["actor_id"] for e in denied} == {guest["user"]["id"]}
    assert len(denied) == 6


async def test_a_removed_co_author_and_their_token_stop_publishing_at_once(api: Api) -> None:
    owner = await api.register()
    guest = await api.verified_user()
    script = await publish(api, owner["access_token"])
    sid = script["id"]
    await _co_author(api, owner["access_token"], sid, guest)
    token = (await make_token(api, guest["access_token"], script_ids=[sid]))["secret"]

    before = await post_version(api, token, sid, code=userscript("1.1"))
    removed = await _remove(api, owner["access_token"], sid, guest["user"]["id"])
    by_token = await post_version(api, token, sid, code=userscript("1.2"))
    by_session = await post_version(api, guest["access_token"], sid, code=userscript("1.2"))
    edit = await api.send(
        "PATCH", f"/api/scripts/{sid}", guest["access_token"], json={"tags": ["x"]}
    )
    shown = await api.get(f"/api/scripts/{sid}")
    another = await api.verified_user()
    refused = await api.send(
        "POST",
        "/api/users/me/tokens",
        guest["access_token"],
        json={"name": "ci", "scopes": ["scripts:publish"], "script_ids": [sid]},
    )

    assert before.status_code == 201, before.text
    assert removed.status_code == 204, removed.text
    assert_problem(by_token, 403, "forbidden")
    assert_problem(by_session, 403, "forbidden")
    assert_problem(edit, 403, "forbidden")
    assert shown.json()["authors"] == []
    assert another["user"]["id"] != guest["user"]["id"]
    assert_problem(refused, 422, "validation_error")
    entries = await audited(api, "script.author_removed", sid)
    assert [audited_metadata(e) for e in entries] == [
        {"user_id": guest["user"]["id"], "left": False, "owner_id": owner["user"]["id"]}
    ]


async def test_a_co_author_leaves_and_the_owner_cannot(api: Api) -> None:
    owner = await api.register()
    guest = await api.register()
    other = await api.register()
    script = await publish(api, owner["access_token"])
    sid = script["id"]
    await _co_author(api, owner["access_token"], sid, guest)
    await _co_author(api, owner["access_token"], sid, other)

    removes_other = await _remove(api, guest["access_token"], sid, other["user"]["id"])
    owner_leaves = await _remove(api, owner["access_token"], sid, owner["user"]["id"])
    leaves = await _remove(api, guest["access_token"], sid, guest["user"]["id"])
    shown = await api.get(f"/api/scripts/{sid}")

    assert_problem(removes_other, 403, "forbidden")
    assert_problem(owner_leaves, 409, "conflict")
    assert leaves.status_code == 204, leaves.text
    assert [a["id"] for a in shown.json()["authors"]] == [other["user"]["id"]]
    entries = await audited(api, "script.author_removed", sid)
    assert [audited_metadata(e)["left"] for e in entries] == [True]
    assert [e["actor_id"] for e in entries] == [guest["user"]["id"]]


async def test_an_accepted_transfer_swaps_owner_and_co_author(
    mail_api: Api, smtp_sink: SmtpSink
) -> None:
    api = mail_api
    owner = await api.register()
    guest = await api.register()
    other = await api.register()
    script = await publish(api, owner["access_token"])
    sid = script["id"]
    await _co_author(api, owner["access_token"], sid, guest)

    to_stranger = await api.send(
        "POST",
        f"/api/scripts/{sid}/transfer",
        owner["access_token"],
        json={"username": other["user"]["username"]},
    )
    offered = await api.send(
        "POST",
        f"/api/scripts/{sid}/transfer",
        owner["access_token"],
        json={"username": guest["user"]["username"]},
    )
    twice = await api.send(
        "POST",
        f"/api/scripts/{sid}/transfer",
        owner["access_token"],
        json={"username": guest["user"]["username"]},
    )
    mail = await _mail_about(smtp_sink, guest["user"]["email"], "offers you the ownership")
    listed = await api.get("/api/users/me/invitations", guest["access_token"])
    accepted = await _accept(api, guest["access_token"], offered.json()["id"])
    old_owner_publishes = await post_version(
        api, owner["access_token"], sid, code=userscript("1.1")
    )
    old_owner_deletes = await api.send("DELETE", f"/api/scripts/{sid}", owner["access_token"])
    new_owner_invites = await _invite(api, guest["access_token"], sid, other["user"]["username"])

    assert_problem(to_stranger, 422, "validation_error")
    assert offered.status_code == 201, offered.text
    assert offered.json()["kind"] == "transfer"
    assert_problem(twice, 409, "conflict")
    assert offered.json()["id"] in body_of(mail)
    assert [i["kind"] for i in listed.json()["items"]] == ["transfer"]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["owner"]["id"] == guest["user"]["id"]
    assert accepted.json()["authors"] == [
        {"id": owner["user"]["id"], "username": owner["user"]["username"]}
    ]
    assert old_owner_publishes.status_code == 201, old_owner_publishes.text
    assert_problem(old_owner_deletes, 403, "forbidden")
    assert new_owner_invites.status_code == 201, new_owner_invites.text
    transferred = await audited(api, "script.transferred", sid)
    assert [audited_metadata(e) for e in transferred] == [
        {
            "from_user_id": owner["user"]["id"],
            "to_user_id": guest["user"]["id"],
            "invitation_id": offered.json()["id"],
            "owner_id": owner["user"]["id"],
        }
    ]
    assert len(await audited(api, "script.transfer_offered", sid)) == 1


async def test_an_offer_is_void_once_its_co_author_is_removed(api: Api) -> None:
    owner = await api.register()
    guest = await api.register()
    script = await publish(api, owner["access_token"])
    sid = script["id"]
    await _co_author(api, owner["access_token"], sid, guest)
    offered = await api.send(
        "POST",
        f"/api/scripts/{sid}/transfer",
        owner["access_token"],
        json={"username": guest["user"]["username"]},
    )

    removed = await _remove(api, owner["access_token"], sid, guest["user"]["id"])
    accepted = await _accept(api, guest["access_token"], offered.json()["id"])
    shown = await api.get(f"/api/scripts/{sid}")

    assert removed.status_code == 204, removed.text
    assert_problem(accepted, 410, "gone")
    assert shown.json()["owner"]["id"] == owner["user"]["id"]
    assert await audited(api, "script.transferred", sid) == []


async def test_two_accepts_at_once_add_the_co_author_once(api: Api) -> None:
    owner = await api.register()
    script = await publish(api, owner["access_token"])
    for _ in range(RACES):
        guest = await api.register()
        invited = await _invite(api, owner["access_token"], script["id"], guest["user"]["username"])
        path = f"/api/invitations/{invited.json()['id']}/accept"

        answers = await api.at_once(
            api.request("POST", path, guest["access_token"]),
            api.request("POST", path, guest["access_token"]),
        )

        assert sorted(r.status_code for r in answers) == [200, 410], [r.text for r in answers]
    shown = await api.get(f"/api/scripts/{script['id']}")
    assert len(shown.json()["authors"]) == RACES
    assert len(await audited(api, "script.author_added", script["id"])) == RACES


async def test_an_accepted_offer_and_a_removal_at_once_are_one_after_the_other(api: Api) -> None:
    for _ in range(RACES):
        owner = await api.register()
        guest = await api.register()
        script = await publish(api, owner["access_token"])
        sid = script["id"]
        await _co_author(api, owner["access_token"], sid, guest)
        offered = await api.send(
            "POST",
            f"/api/scripts/{sid}/transfer",
            owner["access_token"],
            json={"username": guest["user"]["username"]},
        )

        accept, removal = await api.at_once(
            api.request(
                "POST", f"/api/invitations/{offered.json()['id']}/accept", guest["access_token"]
            ),
            api.request(
                "DELETE",
                f"/api/scripts/{sid}/authors/{guest['user']['id']}",
                owner["access_token"],
            ),
        )

        shown = (await api.get(f"/api/scripts/{sid}")).json()
        transferred = await audited(api, "script.transferred", sid)
        removed = await audited(api, "script.author_removed", sid)
        if accept.status_code == 200:
            assert removal.status_code == 403, removal.text
            assert shown["owner"]["id"] == guest["user"]["id"]
            assert [a["id"] for a in shown["authors"]] == [owner["user"]["id"]]
            assert (len(transferred), len(removed)) == (1, 0)
        else:
            assert_problem(accept, 410, "gone")
            assert removal.status_code == 204, removal.text
            assert shown["owner"]["id"] == owner["user"]["id"]
            assert shown["authors"] == []
            assert (len(transferred), len(removed)) == (0, 1)


async def test_a_publication_and_the_removal_of_its_co_author_at_once(api: Api) -> None:
    owner = await api.register()
    script = await publish(api, owner["access_token"])
    sid = script["id"]
    for n in range(RACES):
        guest = await api.register()
        await _co_author(api, owner["access_token"], sid, guest)
        version = f"2.{n}"

        publication, removal = await api.at_once(
            api.request(
                "POST",
                f"/api/scripts/{sid}/versions",
                guest["access_token"],
                json={"code": userscript(version)},
            ),
            api.request(
                "DELETE",
                f"/api/scripts/{sid}/authors/{guest['user']['id']}",
                owner["access_token"],
            ),
        )

        assert removal.status_code == 204, removal.text
        versions = await api.get(f"/api/scripts/{sid}/versions", owner["access_token"])
        names = [v["version"] for v in versions.json()["items"]]
        published = [
            e
            for e in await audited(api, "script.version_published", sid)
            if e["actor_id"] == guest["user"]["id"]
        ]
        if publication.status_code == 201:
            assert version in names
            assert len(published) == 1
        else:
            assert_problem(publication, 403, "forbidden")
            assert version not in names
            assert published == []


async def test_tokens_do_not_manage_co_authors(api: Api) -> None:
    owner = await api.verified_user()
    guest = await api.register()
    script = await publish(api, owner["access_token"])
    token = (await make_token(api, owner["access_token"]))["secret"]

    invited = await _invite(api, token, script["id"], guest["user"]["username"])
    listed = await api.get("/api/users/me/invitations", token)

    assert_problem(invited, 403, "token_scope")
    assert_problem(listed, 403, "token_scope")


def _expire(api: Api, invitation_id: str) -> None:
    """Move the invitation's expiry to the past, as seven days would."""

    async def expire() -> None:
        async with api.container.adapters.engine().begin() as connection:
            await connection.execute(
                update(script_invitations)
                .where(script_invitations.c.id == uuid.UUID(invitation_id))
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )

    api.client.blocking_portal.call(expire)


async def test_an_expired_invitation_is_gone_and_may_be_sent_again(api: Api) -> None:
    owner = await api.register()
    guest = await api.register()
    script = await publish(api, owner["access_token"])
    invited = await _invite(api, owner["access_token"], script["id"], guest["user"]["username"])
    _expire(api, invited.json()["id"])

    listed = await api.get("/api/users/me/invitations", guest["access_token"])
    accepted = await _accept(api, guest["access_token"], invited.json()["id"])
    again = await _invite(api, owner["access_token"], script["id"], guest["user"]["username"])
    then = await _accept(api, guest["access_token"], again.json()["id"])

    assert listed.json()["items"] == []
    assert "expired" in assert_problem(accepted, 410, "gone")["detail"]
    assert again.status_code == 201, again.text
    assert then.status_code == 200, then.text


async def test_listing_scripts_with_co_authors_costs_no_query_per_script(api: Api) -> None:
    owner = await api.register()
    first = await publish(api, owner["access_token"], name="First")

    with counted_statements(api) as one:
        assert (await api.get("/api/scripts")).status_code == 200
    for n in range(3):
        script = first if n == 0 else await publish(api, owner["access_token"], name=f"S{n}")
        await _co_author(api, owner["access_token"], script["id"], await api.register())
    with counted_statements(api) as three:
        listed = await api.get("/api/scripts")
    with counted_statements(api) as single:
        shown = await api.get(f"/api/scripts/{first['id']}")

    assert [len(s["authors"]) for s in listed.json()["items"]] == [1, 1, 1]
    assert len(_of_scripts(three)) == len(_of_scripts(one))
    assert len(shown.json()["authors"]) == 1
    assert len(_of_scripts(single)) <= len(_of_scripts(one))
    assert not [s for s in [*three, *single] if "script_authors" in s]


def _of_scripts(statements: list[str]) -> list[str]:
    """The statements of the request, not of the mail outbox's dispatcher running beside it."""
    return [s for s in statements if "mail_outbox" not in s]


async def test_two_invitations_at_once_never_pass_the_limit_together(api: Api) -> None:
    owner = await api.register()
    guests = [await api.register() for _ in range(11)]
    for _ in range(2):
        script = await publish(api, owner["access_token"])
        for guest in guests[:9]:
            invited = await _invite(
                api, owner["access_token"], script["id"], guest["user"]["username"]
            )
            assert invited.status_code == 201, invited.text
        path = f"/api/scripts/{script['id']}/authors"

        answers = await api.at_once(
            *(
                api.request(
                    "POST", path, owner["access_token"], json={"username": g["user"]["username"]}
                )
                for g in guests[9:]
            )
        )

        assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
        listed = await api.get(f"/api/scripts/{script['id']}/invitations", owner["access_token"])
        assert len(listed.json()["items"]) == 10
        assert len(await audited(api, "script.author_invited", script["id"])) == 10


async def test_the_new_owner_sees_and_revokes_the_old_owners_invitations(api: Api) -> None:
    owner = await api.register()
    guest = await api.register()
    invitee = await api.register()
    script = await publish(api, owner["access_token"])
    sid = script["id"]
    await _co_author(api, owner["access_token"], sid, guest)
    invited = await _invite(api, owner["access_token"], sid, invitee["user"]["username"])
    offered = await api.send(
        "POST",
        f"/api/scripts/{sid}/transfer",
        owner["access_token"],
        json={"username": guest["user"]["username"]},
    )
    assert (await _accept(api, guest["access_token"], offered.json()["id"])).status_code == 200

    seen = await api.get(f"/api/scripts/{sid}/invitations", guest["access_token"])
    by_old_owner = await api.get(f"/api/scripts/{sid}/invitations", owner["access_token"])
    revoked = await _remove(api, guest["access_token"], sid, invitee["user"]["id"])
    accepted = await _accept(api, invitee["access_token"], invited.json()["id"])

    assert [i["id"] for i in seen.json()["items"]] == [invited.json()["id"]]
    assert_problem(by_old_owner, 403, "forbidden")
    assert revoked.status_code == 204, revoked.text
    assert_problem(accepted, 410, "gone")
