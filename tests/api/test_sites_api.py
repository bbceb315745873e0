"""Browsing by site (`GET /api/scripts?site=`), in-process on both wirings: published code's
`@match` and `@include` decide, a new version moves the script, bad sites are 400s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.client import Api, assert_problem
from tests.api.script_calls import post_version, publish
from tests.userscripts import userscript


async def names(api: Api, **params: Any) -> list[str]:
    response = await api.get("/api/scripts", params=params)
    assert response.status_code == 200, response.text
    return [script["name"] for script in response.json()["items"]]


async def test_published_patterns_decide_where_a_script_is_listed(api: Api) -> None:
    token = (await api.register())["access_token"]
    for name, patterns in {
        "Watch": ["match https://www.youtube.com/watch*"],
        "Anywhere": ["match <all_urls>"],
        "Tube": ["include *://*.youtube.com/*"],
        "Hub": ["match https://github.com/*"],
    }.items():
        await publish(api, token, name=name, code=userscript("1.0", *patterns, name=name))

    assert await names(api, site="youtube.com") == ["Tube", "Watch"]
    assert await names(api, site="M.YouTube.com") == ["Tube"]
    assert await names(api, site="youtube.com", all_sites="true") == ["Tube", "Anywhere", "Watch"]
    assert await names(api, site="youtube.com", sort="name", limit=1) == ["Tube"]
    assert await names(api, site=" ") == ["Hub", "Tube", "Anywhere", "Watch"]


async def test_a_new_version_moves_the_script_to_its_new_site(api: Api) -> None:
    token = (await api.register())["access_token"]
    code = userscript("1.0", "match https://github.com/*", name="Mover")
    script = await publish(api, token, name="Mover", code=code)

    moved = userscript("1.1", "match https://gitlab.com/*", name="Mover")
    assert (await post_version(api, token, script["id"], code=moved)).status_code == 201

    assert await names(api, site="github.com") == []
    assert await names(api, site="gitlab.com") == ["Mover"]


@pytest.mark.parametrize(
    "site", ["*.youtube.com", "https://youtube.com/", "a b", "x" * 254, "nul\x00", "you:80"]
)
async def test_a_site_that_is_not_a_host_name_is_a_400(api: Api, site: str) -> None:
    response = await api.get("/api/scripts", params={"site": site})

    assert_problem(response, 400, "bad_request")


async def test_the_top_sites_count_the_public_scripts_per_host(api: Api) -> None:
    token = (await api.register())["access_token"]
    for name, pattern in (
        ("One", "https://www.youtube.com/*"),
        ("Two", "*://*.youtube.com/*"),
        ("Three", "https://github.com/*"),
        ("Four", "<all_urls>"),
    ):
        await publish(api, token, name=name, code=userscript("1.0", f"match {pattern}", name=name))
    await publish(
        api,
        token,
        name="Private",
        visibility="private",
        code=userscript("1.0", "match https://github.com/*", name="Private"),
    )

    every = await api.get("/api/sites")
    first = await api.get("/api/sites", params={"limit": 1})

    assert every.status_code == 200, every.text
    assert every.json() == {
        "items": [
            {"host": "youtube.com", "script_count": 2},
            {"host": "github.com", "script_count": 1},
        ]
    }
    assert first.json() == {"items": [{"host": "youtube.com", "script_count": 2}]}


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
async def test_a_bad_limit_of_the_top_sites_is_a_400(api: Api, limit: str) -> None:
    response = await api.get("/api/sites", params={"limit": limit})

    assert_problem(response, 400, "bad_request")
