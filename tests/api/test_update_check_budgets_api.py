"""Update checks have budgets of their own: a client IP's anonymous conditional and metadata
requests of a script's code never spend its API budget, so that one address checks every
script it installed, while a flood of checks of one script is stopped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scripthub.entrypoints.settings.model import PRODUCTION_RATE_LIMITS
from tests.api.client import Api, assert_problem
from tests.api.test_update_checks_api import etag_of

SCRIPTS = 1_000
"""What one person with many installed scripts (or an office) checks at once."""
CODE = """// ==UserScript==
// @name        Budget {number}
// @version     1.0
// @match       https://example.com/*
// ==/UserScript==
"""
LATER = {"If-Modified-Since": "Sun, 01 Jan 2190 00:00:00 GMT"}
META = {"Accept": "text/x-userscript-meta"}


def production(name: str) -> str:
    limit = PRODUCTION_RATE_LIMITS[name]
    return f"{limit.requests}/{limit.window_seconds}"


PRODUCTION_BUDGETS = {
    f"SCRIPTHUB_{name.upper()}": production(name) for name in PRODUCTION_RATE_LIMITS
}


def peer(address: str) -> dict[str, str]:
    return {"X-Test-Peer": address}


async def publish_many(api: Api, count: int) -> list[dict[str, Any]]:
    token = (await api.register())["access_token"]
    scripts = []
    for number in range(count):
        body = {"language": "javascript", "code": CODE.format(number=number)}
        response = await api.send("POST", "/api/scripts", token, json=body)
        assert response.status_code == 201, response.text
        scripts.append(response.json())
    return scripts


def check_of(script: dict[str, Any], number: int) -> tuple[str, dict[str, str]]:
    """What script managers send, in turn: a conditional check of the code's URL, of its
    `.meta.js`, a metadata request on the code's URL, and the block's own URL."""
    base = f"/api/scripts/{script['id']}"
    return [
        (f"{base}/raw", LATER),
        (f"{base}/{script['slug']}.meta.js", {}),
        (f"{base}/{script['slug']}.user.js", META),
        (f"{base}/meta", LATER),
    ][number % 4]


@pytest.mark.usefixtures("peer_header")
async def test_one_address_checks_a_thousand_scripts_on_production_budgets(
    make_api: Callable[..., Any],
) -> None:
    writer: Api = await make_api(SCRIPTHUB_MAIL_DISPATCH="external")
    scripts = await publish_many(writer, SCRIPTS)
    api: Api = await make_api(**PRODUCTION_BUDGETS, SCRIPTHUB_MAIL_DISPATCH="external")
    office = peer("198.51.100.7")

    statuses = []
    for number, script in enumerate(scripts):
        path, headers = check_of(script, number)
        statuses.append((await api.send("GET", path, headers={**office, **headers})).status_code)
    api_calls = [await api.send("GET", "/api/scripts?limit=1", headers=office) for _ in range(101)]
    download = await api.send("GET", f"/api/scripts/{scripts[0]['id']}/raw", headers=office)
    flood = [
        await api.send("GET", f"/api/scripts/{scripts[1]['id']}/meta", headers=office)
        for _ in range(PRODUCTION_RATE_LIMITS["rate_limit_update_checks_per_script"].requests)
    ]
    other_script = await api.send("GET", f"/api/scripts/{scripts[2]['id']}/meta", headers=office)

    assert statuses == [304, 200, 200, 304] * (SCRIPTS // 4)
    # The API budget is still the API's: 100 answers, then 429.
    assert [call.status_code for call in api_calls] == [200] * 100 + [429]
    assert_problem(download, 429, "rate_limited")  # an install is no update check
    # One script checked over and over: its budget ends, the others' do not.
    answered = [answer.status_code for answer in flood]
    assert answered == [200] * (len(flood) - 1) + [429]
    assert_problem(flood[-1], 429, "rate_limited")
    assert flood[-1].headers["ratelimit-limit"] == "120"
    assert 1 <= int(flood[-1].headers["retry-after"]) <= 900
    assert other_script.status_code == 200


@pytest.mark.usefixtures("peer_header")
async def test_the_per_address_budget_of_update_checks_stops_a_flood_over_many_scripts(
    make_api: Callable[..., Any],
) -> None:
    api: Api = await make_api(
        SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS="3/60", SCRIPTHUB_MAIL_DISPATCH="external"
    )
    scripts = await publish_many(api, 5)
    flooding, neighbour = peer("203.0.113.5"), peer("203.0.113.6")

    checks = [
        await api.send("GET", f"/api/scripts/{script['id']}/meta", headers=flooding)
        for script in scripts[:4]
    ]
    unknown = await api.send(
        "GET", "/api/scripts/no-such-script/raw", headers={**flooding, **LATER}
    )
    listed = await api.send("GET", "/api/scripts?limit=1", headers=flooding)
    neighbours = await api.send("GET", f"/api/scripts/{scripts[4]['id']}/meta", headers=neighbour)

    assert [check.status_code for check in checks] == [200, 200, 200, 429]
    assert checks[2].headers["ratelimit-remaining"] == "0"
    assert_problem(unknown, 429, "rate_limited")  # refused before any lookup
    assert listed.status_code == 200  # the API budget is untouched
    assert neighbours.status_code == 200


async def test_a_signed_in_check_spends_the_api_budget(make_api: Callable[..., Any]) -> None:
    """Script managers send no token; a page or an app that does is an API client."""
    api: Api = await make_api(SCRIPTHUB_RATE_LIMIT_API="3/60", SCRIPTHUB_MAIL_DISPATCH="external")
    (script,) = await publish_many(api, 1)  # register and publish: two of the three
    token = (await api.register())["access_token"]  # three
    raw = f"/api/scripts/{script['id']}/raw"

    anonymous = await api.send("GET", raw, headers=LATER)
    signed_in = await api.send("GET", raw, token, headers=LATER)

    assert anonymous.status_code == 304
    assert_problem(signed_in, 429, "rate_limited")


async def test_checks_sent_at_once_never_exceed_the_per_script_budget(
    make_api: Callable[..., Any],
) -> None:
    api: Api = await make_api(
        SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS_PER_SCRIPT="2/60", SCRIPTHUB_MAIL_DISPATCH="external"
    )
    scripts = await publish_many(api, 4)
    for script in scripts:
        raw = f"/api/scripts/{script['id']}/raw"
        current = etag_of(await api.get(raw))  # a download: the API budget

        answers = await api.at_once(*(api.request("GET", raw, headers=current) for _ in range(5)))

        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [304] * 2 + [429] * 3
