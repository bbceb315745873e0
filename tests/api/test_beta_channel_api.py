"""The beta channel as script managers poll it: a copy installed from the beta URLs, the way
Violentmonkey installs and updates it, gets each newer beta and then the stable release that
supersedes them, while copies installed from the stable URLs never see a beta; update checks
of either channel are answered 304 from the latest-code cache in one round trip with no SQL.

In-process on purpose, as tests/api/test_update_checks_api.py: statements and round trips of
one request are counted on the app's own engine and connections."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest

from scripthub.domain.version_ordering import compare_tampermonkey, compare_violentmonkey
from tests.api.client import Api, assert_problem
from tests.api.script_calls import audited, post_version, publish
from tests.api.test_administration_api import counted_statements
from tests.api.test_takedowns_api import took_down
from tests.api.test_update_checks_api import (
    _answer_of,
    counted_round_trips,
    etag_of,
    lane_answers,
)
from tests.script_managers import ViolentmonkeyCopy
from tests.userscripts import userscript

_VERSION_LINE = re.compile(r"// @version (\S+)")


@pytest.fixture
async def api(make_api: Callable[..., Any]) -> Api:
    # No mail dispatcher polling the database while statements are counted.
    built: Api = await make_api(SCRIPTHUB_MAIL_DISPATCH="external")
    return built


def code(version: str, *entries: str) -> str:
    return userscript(version, "match https://example.com/*", *entries, body=f"run('{version}');\n")


async def script_at(api: Api, version: str = "1.0") -> tuple[dict[str, Any], str]:
    owner = (await api.register())["access_token"]
    return await publish(api, owner, code=code(version)), owner


async def published(api: Api, owner: str, script: dict[str, Any], version: str, **body: Any) -> Any:
    response = await post_version(api, owner, script["id"], code=code(version), **body)
    assert response.status_code == 201, response.text
    return response.json()


def beta_url(script: dict[str, Any], file: str = "user.js") -> str:
    return f"/api/scripts/{script['id']}/beta/{script['slug']}.{file}"


def stable_url(script: dict[str, Any], file: str = "user.js") -> str:
    return f"/api/scripts/{script['id']}/{script['slug']}.{file}"


def served_version(text: str) -> str:
    found = _VERSION_LINE.search(text)
    assert found is not None, text
    return found.group(1)


async def test_a_tester_moves_through_betas_to_the_stable_release_that_supersedes_them(
    api: Api,
) -> None:
    script, owner = await script_at(api)
    tester = await ViolentmonkeyCopy.install(api.client, beta_url(script))
    user = await ViolentmonkeyCopy.install(api.client, stable_url(script))
    # Before any beta, the beta channel serves the stable version with the beta URLs.
    assert tester.meta["version"] == "1.0"
    assert tester.meta["updateURL"].endswith(beta_url(script, "meta.js"))
    assert tester.meta["downloadURL"].endswith(beta_url(script))
    assert user.meta["updateURL"].endswith(stable_url(script, "meta.js"))
    assert not await tester.check_update()  # the cache is warm

    for beta in ("1.1-beta.1", "1.1-beta.2"):
        await published(api, owner, script, beta)
        assert await tester.check_update()
        assert tester.meta["version"] == beta
        assert tester.meta["updateURL"].endswith(beta_url(script, "meta.js"))
        assert not await user.check_update()
        assert user.meta["version"] == "1.0"
        assert not await tester.check_update()

    await published(api, owner, script, "1.1")

    assert await tester.check_update()
    assert tester.meta["version"] == "1.1"
    assert tester.meta["downloadURL"].endswith(beta_url(script))  # still a tester
    assert await user.check_update()
    assert user.meta["version"] == "1.1"
    shown = (await api.get(f"/api/scripts/{script['id']}")).json()
    assert shown["latest_version"]["version"] == "1.1"
    assert shown["latest_beta"] is None
    for path in ("raw", "meta", f"{script['slug']}.user.js", f"{script['slug']}.meta.js"):
        response = await api.get(f"/api/scripts/{script['id']}/{path}")
        assert served_version(response.text) == "1.1", path


async def test_stable_urls_never_serve_a_beta(api: Api) -> None:
    script, owner = await script_at(api)
    await published(api, owner, script, "2.0-rc1")
    await published(api, owner, script, "1.5", channel="stable")  # below the beta: allowed

    for path in ("raw", "meta", f"{script['slug']}.user.js", f"{script['slug']}.meta.js"):
        for by in (script["id"], script["slug"]):
            response = await api.get(f"/api/scripts/{by}/{path}")
            assert served_version(response.text) == "1.5", path
    assert served_version((await api.get(beta_url(script))).text) == "2.0-rc1"
    assert served_version((await api.get(beta_url(script, "meta.js"))).text) == "2.0-rc1"
    assert_problem(await api.get(f"/api/scripts/{script['id']}/beta/raw"), 404, "not_found")


async def test_the_json_shapes(api: Api) -> None:
    script, owner = await script_at(api)
    assert script["latest_beta"] is None

    beta = await published(api, owner, script, "1.1-beta.1", changelog="Try it")
    forced = await published(api, owner, script, "1.1.1", channel="beta")
    stable = await published(api, owner, script, "1.0.1")
    shown = (await api.get(f"/api/scripts/{script['id']}")).json()
    listed = (await api.get(f"/api/scripts/{script['id']}/versions")).json()["items"]

    assert (beta["channel"], forced["channel"], stable["channel"]) == ("beta", "beta", "stable")
    assert shown["latest_version"]["version"] == "1.0.1"
    assert shown["latest_beta"] == {
        "version": "1.1.1",
        "created_at": forced["created_at"],
        "sha256": forced["sha256"],
    }
    assert [(v["version"], v["channel"]) for v in listed] == [
        ("1.0.1", "stable"),
        ("1.1.1", "beta"),
        ("1.1-beta.1", "beta"),
        ("1.0", "stable"),
    ]
    # Name, description and the like follow the stable versions only.
    assert shown["updated_at"] == stable["created_at"]


async def test_ordering_refusals_name_the_version_or_the_channel(api: Api) -> None:
    script, owner = await script_at(api, "1.0")
    await published(api, owner, script, "2.0-beta.2")
    refusals = {
        "1.0-beta.9": "version",  # a beta below the latest stable
        "2.0-beta.1": "version",  # a beta below the latest beta
        "0.9": "version",  # a stable below the latest stable
    }
    for version, field in refusals.items():
        response = await post_version(api, owner, script["id"], code=code(version))
        assert_problem(response, 422, "validation_error")
        assert [p["field"] for p in response.json()["errors"]] == [field], response.text
    stable_prerelease = await post_version(
        api, owner, script["id"], code=code("2.0-rc1"), channel="stable"
    )
    assert_problem(stable_prerelease, 422, "validation_error")
    assert [p["field"] for p in stable_prerelease.json()["errors"]] == ["channel"]
    unknown = await post_version(api, owner, script["id"], code=code("3.0"), channel="nightly")
    assert_problem(unknown, 422, "validation_error")
    assert [p["field"] for p in unknown.json()["errors"]] == ["channel"]
    assert (await api.get(f"/api/scripts/{script['id']}")).json()["latest_beta"]["version"] == (
        "2.0-beta.2"
    )


async def test_checks_of_either_channel_are_answered_without_sql_in_one_round_trip(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, owner = await script_at(api)

    async def unfenced(names: object) -> None:
        """Nothing cached yet: no fence, so that the first reads below fill the cache."""

    with monkeypatch.context() as patch:
        patch.setattr(api.container.use_cases.latest_code(), "changed", unfenced)
        await published(api, owner, script, "1.1-beta.1")
    beta, stable = beta_url(script), stable_url(script)
    held = {url: etag_of(await api.client.head(url)) for url in (beta, stable)}  # fills

    for url in (beta, stable):
        with (
            counted_statements(api) as statements,
            counted_round_trips(monkeypatch) as trips,
            lane_answers(monkeypatch) as by_lane,
        ):
            checked = await api.send("GET", url, headers=held[url])

        assert checked.status_code == 304, url
        assert checked.headers["etag"] == held[url]["If-None-Match"]
        assert statements == [], url
        assert by_lane == [304]
        if api.container.settings().cache_backend == "redis":
            assert len(trips) == 1, url
            assert (b"latest_code:beta/" in trips[0]) == (url == beta)
    assert held[beta] != held[stable]


async def test_the_beta_lane_answers_as_the_route_does(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, owner = await script_at(api)
    reader = (await api.register())["access_token"]  # signed in: the route answers
    await published(api, owner, script, "1.1-beta.1")
    current = etag_of(await api.get(beta_url(script)))
    meta = {"Accept": "text/x-userscript-meta, */*"}
    checks = [
        ("GET", beta_url(script), current),
        ("GET", beta_url(script), {}),
        ("HEAD", beta_url(script), {}),
        ("GET", beta_url(script), meta),
        ("GET", beta_url(script, "meta.js"), {}),
        ("GET", f"/api/scripts/{script['slug']}/beta/x.meta.css", {}),
        ("GET", "/api/scripts/no-such-script/beta/x.user.js", {}),
    ]
    with lane_answers(monkeypatch) as by_lane:
        answers = [
            (await api.send(m, path, headers=h), await api.send(m, path, reader, headers=h))
            for m, path, h in checks
        ]
        not_code = await api.send("GET", f"/api/scripts/{script['id']}/beta/raw")

    for (method, path, headers), (anonymous, signed_in) in zip(checks, answers, strict=True):
        assert _answer_of(anonymous) == _answer_of(signed_in), (method, path, headers)
    assert by_lane == [anonymous.status_code for anonymous, _ in answers]
    assert [a.status_code for a, _ in answers] == [304, 200, 200, 200, 200, 200, 404]
    assert_problem(not_code, 404, "not_found")  # the route's own 404, not the lane's


async def test_publications_racing_checks_of_both_channels_never_leave_an_old_copy_current(
    api: Api,
) -> None:
    script, owner = await script_at(api)
    urls = (beta_url(script), stable_url(script))
    held = {url: etag_of(await api.get(url)) for url in urls}
    for minor in range(1, 9):
        version = f"1.{minor}-beta.1" if minor % 2 else f"1.{minor}"
        body = {"code": code(version)}
        posted, *_ = await api.at_once(
            api.request("POST", f"/api/scripts/{script['id']}/versions", owner, json=body),
            *(api.request("GET", url, headers=held[url]) for url in urls for _ in range(2)),
        )
        assert posted.status_code == 201, posted.text

        beta = await api.send("GET", urls[0], headers=held[urls[0]])
        assert beta.status_code == 200, f"{version} was published, yet the beta check says 304"
        assert served_version(beta.text) == version
        held[urls[0]] = etag_of(beta)
        stable = await api.send("GET", urls[1], headers=held[urls[1]])
        if minor % 2:
            assert stable.status_code == 304, f"the beta {version} reached the stable URL"
        else:
            assert stable.status_code == 200
            assert served_version(stable.text) == version
            held[urls[1]] = etag_of(stable)


async def test_a_slug_edit_or_deletion_reaches_the_beta_checks(api: Api) -> None:
    script, owner = await script_at(api)
    await published(api, owner, script, "1.1-beta.1")
    url = beta_url(script)
    held = etag_of(await api.get(url))
    assert (await api.send("GET", url, headers=held)).status_code == 304  # cached

    edited = await api.send(
        "PATCH", f"/api/scripts/{script['id']}", owner, json={"slug": "renamed-script"}
    )
    assert edited.status_code == 200, edited.text
    moved = await api.send("GET", url, headers=held)
    assert moved.status_code == 200
    assert "/beta/renamed-script.meta.js" in moved.text

    assert (await api.send("DELETE", f"/api/scripts/{script['id']}", owner)).status_code == 204
    assert_problem(await api.send("GET", url, headers=etag_of(moved)), 404, "not_found")


async def test_a_blank_takedown_reaches_testers_through_the_kill_switch(api: Api) -> None:
    script, owner = await script_at(api, "1.0")
    await published(api, owner, script, "7.0-beta.3")
    tester = await ViolentmonkeyCopy.install(api.client, beta_url(script))
    assert tester.meta["version"] == "7.0-beta.3"
    assert not await tester.check_update()  # the cache is warm

    await took_down(api, script, "blank")

    assert await tester.check_update()
    kill_switch = tester.meta["version"]
    assert compare_violentmonkey("7.0-beta.3", kill_switch) < 0
    assert compare_tampermonkey("7.0-beta.3", kill_switch) < 0
    assert tester.meta["updateURL"].endswith(beta_url(script, "meta.js"))
    assert tester.code.rstrip().endswith("==/UserScript==")
    assert not await tester.check_update()


async def test_redirect_and_keep_takedowns_answer_the_beta_urls_as_the_stable_ones(
    api: Api,
) -> None:
    moved, owner = await script_at(api)
    await published(api, owner, moved, "1.1-beta.1")
    kept, _ = await script_at(api)
    target, target_owner = await script_at(api)
    await published(api, target_owner, target, "3.0-beta.1")
    tester = await ViolentmonkeyCopy.install(api.client, beta_url(moved))

    await took_down(api, moved, "redirect", target["id"])
    await took_down(api, kept, "keep")

    answer = await api.get(beta_url(moved, "meta.js"), follow_redirects=False)
    assert answer.status_code == 301
    assert answer.headers["location"].endswith(beta_url(target, "meta.js"))
    assert await tester.check_update()
    assert tester.meta["version"] == "3.0-beta.1"
    assert tester.meta["updateURL"].endswith(beta_url(target, "meta.js"))
    for file in ("user.js", "meta.js"):
        assert_problem(await api.get(beta_url(kept, file)), 410, "gone")


async def test_a_held_beta_is_served_on_no_channel_until_approved(
    make_api: Callable[..., Any],
) -> None:
    api: Api = await make_api(SCRIPTHUB_REVIEW_POLICY="widening")
    script, owner = await script_at(api)
    tester = await ViolentmonkeyCopy.install(api.client, beta_url(script))
    widening = code("1.1-beta.1", "connect evil.example.net")
    held = await post_version(api, owner, script["id"], code=widening)
    assert held.status_code == 202, held.text
    assert held.json()["channel"] == "beta"

    assert not await tester.check_update()
    assert (await api.get(f"/api/scripts/{script['id']}")).json()["latest_beta"] is None
    moderator = (await api.role_holder("moderator"))["access_token"]
    review = f"/api/scripts/{script['id']}/versions/1.1-beta.1/review"
    approved = await api.send("POST", review, moderator, json={"decision": "approve"})
    assert approved.status_code == 200, approved.text

    assert await tester.check_update()
    assert tester.meta["version"] == "1.1-beta.1"
    shown = (await api.get(f"/api/scripts/{script['id']}")).json()
    assert (shown["latest_version"]["version"], shown["latest_beta"]["version"]) == (
        "1.0",
        "1.1-beta.1",
    )
    assert served_version((await api.get(stable_url(script))).text) == "1.0"


async def test_betas_and_stable_versions_published_at_once_agree_with_the_audit(
    api: Api,
) -> None:
    script, owner = await script_at(api)
    path = f"/api/scripts/{script['id']}/versions"
    for round_ in range(2, 6):
        sent = [f"{round_}.0-beta.1", f"{round_}.0-beta.2", f"{round_}.0"]
        answers = await api.at_once(
            *(api.request("POST", path, owner, json={"code": code(v)}) for v in sent)
        )
        assert all(a.status_code in {201, 409, 422} for a in answers), [a.text for a in answers]
        assert answers[2].status_code == 201, answers[2].text  # need not follow any beta

    listed = (await api.get(f"{path}?limit=100")).json()["items"]
    audited_versions = await audited(api, "script.version_published", script["id"])
    assert sorted(e["metadata"]["version"] for e in audited_versions) == sorted(
        v["version"] for v in listed
    )
    shown = (await api.get(f"/api/scripts/{script['id']}")).json()
    assert shown["latest_version"]["version"] == "5.0"
    assert shown["latest_beta"] is None  # every beta is superseded by its release
    # Each channel's versions, newest first, are in the managers' order.
    for channel in ("stable", "beta"):
        versions = [v["version"] for v in listed if v["channel"] == channel]
        for newer, older in itertools.pairwise(versions):
            assert compare_violentmonkey(older, newer) < 0, (older, newer)
            assert compare_tampermonkey(older, newer) < 0, (older, newer)
