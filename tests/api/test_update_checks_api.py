"""Update checks, what script managers send most: a client whose copy is current is answered
304 from the latest-code cache, read in the round trip that counts its rate budget, with no
SQL; a change to the script is seen by the very next check.

In-process on purpose: these tests count the statements and Redis round trips of one
request on the app's own engine and connections."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Connection

from scripthub.adapters.redis.errors import DEADLINE_SECONDS
from scripthub.domain.errors import DomainError
from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.http.controllers import script_code
from scripthub.entrypoints.http.problems import status_of
from scripthub.entrypoints.settings import load_settings
from tests.api.client import Api, assert_problem
from tests.api.conftest import TEST_ENVIRONMENT
from tests.api.test_administration_api import counted_statements

if TYPE_CHECKING:
    from tests.freezing_proxy import FreezingProxy

CODE = """// ==UserScript==
// @name        Update check
// @version     {version}
// @match       https://example.com/*
// ==/UserScript==
console.log("{version}");
"""
CACHE_ERRORS_METRIC = 'scripthub_latest_code_cache_errors_total{operation="read"} '


@pytest.fixture
async def api(make_api: Callable[..., Any]) -> Api:
    # No mail dispatcher polling the database while statements are counted.
    built: Api = await make_api(SCRIPTHUB_MAIL_DISPATCH="external")
    return built


async def publish(api: Api) -> tuple[dict[str, Any], str]:
    """A fresh author's new script (version 1.0) and the author's token."""
    token = (await api.register())["access_token"]
    body = {"name": "Update check", "language": "javascript", "code": CODE.format(version="1.0")}
    response = await api.send("POST", "/api/scripts", token, json=body)
    assert response.status_code == 201, response.text
    script: dict[str, Any] = response.json()
    return script, token


def etag_of(response: Any) -> dict[str, str]:
    return {"If-None-Match": response.headers["etag"]}


@contextmanager
def counted_round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """The Redis requests (one per round trip) the app sends meanwhile, leaving out the
    install flusher's, which runs on its own timer."""
    sent: list[bytes] = []
    send = Connection.send_packed_command

    async def counting(self: Connection, command: Any, check_health: bool = True) -> None:
        packed = command if isinstance(command, bytes) else b"".join(command)
        if b"installs:" not in packed:
            sent.append(packed)
        await send(self, command, check_health)

    with monkeypatch.context() as patch:
        patch.setattr(Connection, "send_packed_command", counting)
        yield sent


async def test_a_current_copy_is_answered_without_sql_in_one_round_trip(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, _ = await publish(api)
    raw = f"/api/scripts/{script['id']}/raw"
    first = await api.client.head(raw)  # reads the database and fills the cache

    with counted_statements(api) as statements, counted_round_trips(monkeypatch) as trips:
        checked = await api.send("GET", raw, headers=etag_of(first))
    with counted_statements(api) as uncached_statements:
        other_script = await api.send(
            "GET", f"/api/scripts/{script['slug']}/raw", headers=etag_of(first)
        )

    assert checked.status_code == 304
    assert checked.headers["etag"] == first.headers["etag"]
    assert checked.headers["last-modified"] == first.headers["last-modified"]
    assert checked.headers["cache-control"] == "no-cache"
    assert checked.headers["ratelimit-remaining"] == "9999"  # the update checks' first
    assert statements == []
    if api.container.settings().cache_backend == "redis":
        assert len(trips) == 1
        assert b"MULTI" in trips[0]
        assert b"latest_code:" in trips[0]
        assert b"rate:update_checks:" in trips[0]
        assert b"rate:update_check:" in trips[0]
    # The statement counter does see a check the cache cannot answer (the slug's first).
    assert other_script.status_code == 304
    assert uncached_statements


async def test_a_download_of_prepared_code_costs_no_sql_and_two_round_trips(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, _ = await publish(api)
    raw = f"/api/scripts/{script['id']}/raw"
    first = await api.get(raw)  # reads the database, prepares the code, fills the cache

    with counted_statements(api) as statements, counted_round_trips(monkeypatch) as trips:
        downloaded = await api.get(raw)
        meta = await api.get(f"/api/scripts/{script['id']}/meta")

    assert (downloaded.status_code, meta.status_code) == (200, 200)
    assert downloaded.content == first.content
    assert downloaded.headers["etag"] == first.headers["etag"]
    assert downloaded.headers["content-length"] == str(len(first.content))
    assert meta.content.endswith(b"// ==/UserScript==\n")
    assert statements == []
    if api.container.settings().cache_backend == "redis":
        assert len(trips) == 2  # each its cache read and rate count (the install is apart)
        assert all(b"latest_code:" in trip for trip in trips)


async def test_a_new_slug_is_new_code_under_a_new_tag(api: Api) -> None:
    script, token = await publish(api)
    raw = f"/api/scripts/{script['id']}/raw"
    old = await api.get(raw)
    assert (await api.send("GET", raw, headers=etag_of(old))).status_code == 304  # cached now

    edit = {"slug": "renamed-script"}
    edited = await api.send("PATCH", f"/api/scripts/{script['id']}", token, json=edit)
    checked = await api.send("GET", raw, headers=etag_of(old))
    meta = await api.send("GET", f"/api/scripts/{script['id']}/meta", headers=etag_of(old))

    assert edited.status_code == 200, edited.text
    assert checked.status_code == 200
    assert checked.headers["etag"] != old.headers["etag"]
    assert checked.content == old.content.replace(
        f"/{script['slug']}.".encode(), b"/renamed-script."
    )
    assert b"/renamed-script.meta.js\n" in meta.content
    assert (await api.send("GET", raw, headers=etag_of(checked))).status_code == 304


async def test_a_new_version_is_seen_by_the_very_next_check(api: Api) -> None:
    script, token = await publish(api)
    raw = f"/api/scripts/{script['id']}/raw"
    old = await api.get(raw)
    assert (await api.send("GET", raw, headers=etag_of(old))).status_code == 304  # cached now

    update = {"code": CODE.format(version="1.1")}
    published = await api.send("POST", f"/api/scripts/{script['id']}/versions", token, json=update)
    checked = await api.send("GET", raw, headers=etag_of(old))
    checked_by_slug = await api.send(
        "GET", f"/api/scripts/{script['slug']}/raw", headers=etag_of(old)
    )

    assert published.status_code == 201, published.text
    assert checked.status_code == 200
    assert 'console.log("1.1")' in checked.text
    assert checked.headers["etag"] != old.headers["etag"]
    assert checked_by_slug.status_code == 200
    assert (await api.send("GET", raw, headers=etag_of(checked))).status_code == 304


async def test_a_script_made_private_or_deleted_is_gone_from_the_very_next_check(
    api: Api,
) -> None:
    private, private_token = await publish(api)
    deleted, deleted_token = await publish(api)
    held = {}
    for script in (private, deleted):
        raw = f"/api/scripts/{script['id']}/raw"
        held[script["id"]] = etag_of(await api.get(raw))
        assert (await api.send("GET", raw, headers=held[script["id"]])).status_code == 304

    hidden = await api.send(
        "PATCH", f"/api/scripts/{private['id']}", private_token, json={"visibility": "private"}
    )
    gone = await api.send("DELETE", f"/api/scripts/{deleted['id']}", deleted_token)

    assert hidden.status_code == 200, hidden.text
    assert gone.status_code == 204, gone.text
    for script in (private, deleted):
        check = await api.send(
            "GET", f"/api/scripts/{script['id']}/raw", headers=held[script["id"]]
        )
        assert_problem(check, 404, "not_found")
    owner_check = await api.send(
        "GET", f"/api/scripts/{private['id']}/raw", private_token, headers=held[private["id"]]
    )
    assert owner_check.status_code == 304
    assert owner_check.headers["cache-control"] == "private, no-cache"


async def test_update_checks_over_the_budget_are_refused_before_any_work(
    make_api: Callable[..., Any],
) -> None:
    api: Api = await make_api(
        SCRIPTHUB_RATE_LIMIT_API="4/60",
        SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS_PER_SCRIPT="1/60",
        SCRIPTHUB_MAIL_DISPATCH="external",
    )
    script, _ = await publish(api)  # register and publish: two of the four
    raw = f"/api/scripts/{script['id']}/raw"
    first = await api.client.head(raw)
    checked = await api.send("GET", raw, headers=etag_of(first))  # the update checks' budget

    with counted_statements(api) as statements:
        unknown_file = await api.get(f"/api/scripts/{script['id']}/nothing.txt")
        refused = await api.send("GET", raw, headers=etag_of(first))
        spent = await api.get(raw)

    assert first.status_code == 200
    assert first.headers["ratelimit-remaining"] == "1"
    assert checked.status_code == 304
    assert_problem(unknown_file, 404, "not_found")  # counted all the same
    assert unknown_file.headers["ratelimit-remaining"] == "0"
    assert_problem(refused, 429, "rate_limited")
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-limit"] == "1"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert_problem(spent, 429, "rate_limited")
    assert spent.headers["ratelimit-limit"] == "4"
    assert statements == []


async def test_with_redis_down_the_code_is_still_served_uncounted(
    make_api: Callable[..., Any],
) -> None:
    writer: Api = await make_api()
    if writer.container.settings().cache_backend != "redis":
        pytest.skip("the embedded wiring has no Redis to lose")
    script, _ = await publish(writer)
    reader: Api = await make_api(SCRIPTHUB_REDIS_URL="redis://127.0.0.1:1/0")
    raw = f"/api/scripts/{script['id']}/raw"
    failures_before = await cache_read_failures(reader)

    served = await reader.get(raw)
    checked = await reader.send("GET", raw, headers=etag_of(served))

    assert served.status_code == 200
    assert 'console.log("1.0")' in served.text
    assert "ratelimit-remaining" not in served.headers
    assert checked.status_code == 304
    assert await cache_read_failures(reader) == failures_before + 2


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_frozen_redis_costs_a_code_request_one_deadline_not_one_per_step(
    redis_proxy: FreezingProxy, redis_url: str, redis_prefix: str, postgres_database_url: str
) -> None:
    """A download meets the cache's store three times (read, fill, install) and an update
    check twice (read, fill): each waited its own 5 s."""
    environment = {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_MAIL_DISPATCH": "external",
        "SCRIPTHUB_DATABASE_URL": postgres_database_url,
        "SCRIPTHUB_REDIS_URL": redis_proxy.route(redis_url),
        "SCRIPTHUB_REDIS_KEY_PREFIX": redis_prefix,
    }
    container = build_container(load_settings(environment, env_file=None))
    async with AsyncTestClient(app=create_app(container)) as client:
        api = Api(client, container)
        script, _ = await publish(api)
        raw = f"/api/scripts/{script['id']}/raw"
        current = etag_of(await api.send("HEAD", raw))
        with redis_proxy.frozen():
            for headers in ({}, current):
                started = time.monotonic()
                answer = await api.send("GET", raw, headers=headers)
                assert answer.status_code in {200, 304}, answer.text
                assert time.monotonic() - started < DEADLINE_SECONDS + 1, headers


async def cache_read_failures(api: Api) -> float:
    metrics = (await api.get("/metrics")).text
    line = next(line for line in metrics.splitlines() if line.startswith(CACHE_ERRORS_METRIC))
    return float(line.removeprefix(CACHE_ERRORS_METRIC))


async def test_checks_racing_new_versions_never_leave_an_old_copy_current(api: Api) -> None:
    script, token = await publish(api)
    raw = f"/api/scripts/{script['id']}/raw"
    held = etag_of(await api.get(raw))
    for minor in range(1, 16):
        update = {"code": CODE.format(version=f"1.{minor}")}
        published, *_ = await api.at_once(
            api.request("POST", f"/api/scripts/{script['id']}/versions", token, json=update),
            *(api.request("GET", raw, headers=held) for _ in range(3)),
        )
        assert published.status_code == 201, published.text

        after = await api.send("GET", raw, headers=held)

        assert after.status_code == 200, f"version 1.{minor} was published, yet the check says 304"
        assert f'console.log("1.{minor}")' in after.text
        held = etag_of(after)


async def test_downloads_racing_slug_edits_never_serve_an_old_slug_after_the_edit(
    api: Api,
) -> None:
    script, token = await publish(api)
    raw = f"/api/scripts/{script['id']}/raw"
    held = etag_of(await api.get(raw))
    for number in range(1, 16):
        slug = f"renamed-{number}"
        edited, *_ = await api.at_once(
            api.request("PATCH", f"/api/scripts/{script['id']}", token, json={"slug": slug}),
            *(api.request("GET", raw, headers=headers) for headers in ({}, held, {}, held)),
        )
        assert edited.status_code == 200, edited.text

        checked = await api.send("GET", raw, headers=held)
        downloaded = await api.get(raw)

        assert checked.status_code == 200, f"the slug became {slug}, yet the check says 304"
        assert downloaded.content == checked.content
        assert f"/{slug}.user.js\n".encode() in downloaded.content
        held = etag_of(checked)


DIFFERING = {"date", "x-request-id", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"}
"""What two answers to the same request differ in, whoever gives them (a signed-in caller is
counted before the route runs, and its 404 says so; an anonymous one is counted by it)."""


_RETRY_IN = re.compile(rb"retry in \d+ s")
"""The problem's detail names the same seconds as `Retry-After`."""


def _answer_of(response: Any) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k not in DIFFERING}
    return response.status_code, headers, response.content


@contextmanager
def lane_answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The statuses `CodeLane` answers meanwhile (the route answers the rest)."""
    answered: list[int] = []
    answer, problem = script_code.code_answer, script_code.send_error_problem

    def counted_answer(*args: Any, **kwargs: Any) -> Any:
        coded = answer(*args, **kwargs)
        answered.append(coded.status)
        return coded

    async def counted_problem(scope: Any, send: Any, error: Exception) -> None:
        answered.append(status_of(error) if isinstance(error, DomainError) else 500)
        await problem(scope, send, error)

    with monkeypatch.context() as patch:
        patch.setattr(script_code, "code_answer", counted_answer)
        patch.setattr(script_code, "send_error_problem", counted_problem)
        yield answered


async def test_the_code_lane_answers_as_the_route_does(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, token = await publish(api)
    private, private_token = await publish(api)
    await api.send(
        "PATCH", f"/api/scripts/{private['id']}", private_token, json={"visibility": "private"}
    )
    reader = (await api.register())["access_token"]  # signed in: the route answers
    raw = f"/api/scripts/{script['id']}/raw"
    current = etag_of(await api.get(raw))
    old = {"If-None-Match": '"0000", W/"1111"'}
    meta = {"Accept": "text/x-userscript-meta, */*"}
    checks = [
        ("GET", raw, current),
        ("GET", raw, old),
        ("HEAD", raw, old),
        ("HEAD", raw, current),
        ("GET", raw, {**current, **meta}),
        ("GET", f"/api/scripts/{script['slug']}/raw", {"If-None-Match": "*"}),
        ("GET", f"/api/scripts/{script['id']}/{script['slug']}.user.js", current),
        ("GET", f"/api/scripts/{script['id']}/meta", current),
        ("GET", f"{raw}?cache=no", {"If-Modified-Since": "Sun, 01 Jan 2190 00:00:00 GMT"}),
        ("GET", f"/api/scripts/{script['id']}/x.meta.css", {"If-Modified-Since": "garbage"}),
        ("GET", f"/api/scripts/{private['id']}/raw", current),
        ("GET", "/api/scripts/no-such-script/raw", current),
        # Downloads: installs and updates.
        ("GET", raw, {}),
        ("HEAD", raw, {}),
        ("GET", raw, meta),
        ("GET", f"/api/scripts/{script['id']}/{script['slug']}.meta.js", {}),
        ("GET", f"/api/scripts/{private['id']}/raw", {}),
        ("GET", "/api/scripts/no-such-script/raw", {}),
    ]
    update = {"code": CODE.format(version="1.1")}

    with lane_answers(monkeypatch) as by_lane:
        answers = [
            (await api.send(m, path, headers=h), await api.send(m, path, reader, headers=h))
            for m, path, h in checks
        ]
        published = await api.send(
            "POST", f"/api/scripts/{script['id']}/versions", token, json=update
        )
        after_update = (
            await api.send("GET", raw, headers=current),
            await api.send("GET", raw, reader, headers=current),
        )
        not_code = await api.send(
            "GET", f"/api/scripts/{script['id']}/nothing.txt", headers=current
        )

    for (method, path, headers), (anonymous, signed_in) in zip(checks, answers, strict=True):
        assert _answer_of(anonymous) == _answer_of(signed_in), (method, path, headers)
        if anonymous.status_code < 400:
            assert anonymous.headers["ratelimit-limit"] == "10000"
    assert published.status_code == 201, published.text
    assert _answer_of(after_update[0]) == _answer_of(after_update[1])
    assert after_update[0].status_code == 200
    assert by_lane == [anonymous.status_code for anonymous, _ in [*answers, after_update]]
    assert_problem(not_code, 404, "not_found")  # the route's own 404, not the lane's


async def test_the_code_lane_refuses_as_the_route_does_over_the_budget(
    make_api: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An anonymous update check spends the update checks' budgets, a signed-in one the API
    budget (windows opened at other moments: `Retry-After` may differ by a second)."""
    api: Api = await make_api(
        SCRIPTHUB_RATE_LIMIT_API="5/60",
        SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS_PER_SCRIPT="1/60",
        SCRIPTHUB_MAIL_DISPATCH="external",
    )
    script, _ = await publish(api)  # register and publish: two of the five
    reader = (await api.register())["access_token"]  # three
    raw = f"/api/scripts/{script['id']}/raw"
    current = etag_of(await api.get(raw))  # four
    assert (await api.send("GET", raw, reader, headers=current)).status_code == 304  # five
    assert (await api.send("GET", raw, headers=current)).status_code == 304  # the check's one

    with lane_answers(monkeypatch) as by_lane:
        anonymous = await api.send("GET", raw, headers=current)
    signed_in = await api.send("GET", raw, reader, headers=current)

    assert_problem(anonymous, 429, "rate_limited")
    retry_after = [int(answer.headers.pop("retry-after")) for answer in (anonymous, signed_in)]
    (status, headers, body), (other_status, other_headers, other_body) = (
        _answer_of(answer) for answer in (anonymous, signed_in)
    )
    assert (status, headers) == (other_status, other_headers)
    assert _RETRY_IN.sub(b"retry in N s", body) == _RETRY_IN.sub(b"retry in N s", other_body)
    assert all(1 <= seconds <= 60 for seconds in retry_after)
    assert by_lane == [429]


async def test_a_page_fetching_the_code_url_gets_both_of_its_vary_reasons(
    make_api: Callable[..., Any],
) -> None:
    page = "https://app.example"
    api: Api = await make_api(SCRIPTHUB_MAIL_DISPATCH="external", SCRIPTHUB_CORS_ORIGINS=page)
    script, _ = await publish(api)
    raw = f"/api/scripts/{script['id']}/raw"

    fetched = await api.send("GET", raw, headers={"Origin": page})
    checked = await api.send("GET", raw, headers={"Origin": page, **etag_of(fetched)})
    meta = await api.send("GET", f"/api/scripts/{script['id']}/meta", headers={"Origin": page})

    for answer in (fetched, checked):
        assert answer.headers["access-control-allow-origin"] == page
        assert answer.headers.get_list("vary") == ["Accept, Origin"]
    assert meta.headers.get_list("vary") == ["Origin"]  # the block's URL does not vary on Accept


async def test_every_code_answer_varies_on_origin_whether_or_not_the_request_sent_one(
    make_api: Callable[..., Any],
) -> None:
    """A shared cache must not hand a page an answer it kept for a script manager (no
    `Access-Control-Allow-Origin`), nor the other way round."""
    page = "https://app.example"
    api: Api = await make_api(SCRIPTHUB_MAIL_DISPATCH="external", SCRIPTHUB_CORS_ORIGINS=page)
    script, _ = await publish(api)
    base = f"/api/scripts/{script['id']}"
    raw = await api.send("GET", f"{base}/raw")
    expected = {
        "raw": "Accept, Origin",
        f"{script['slug']}.user.js": "Accept, Origin",
        "meta": "Origin",
        f"{script['slug']}.meta.js": "Origin",
        "versions/1.0/raw": "Origin",
    }

    for path, vary in expected.items():
        for headers in ({}, etag_of(raw), {"Origin": page}, {"Origin": page, **etag_of(raw)}):
            for method in ("GET", "HEAD"):
                answer = await api.send(method, f"{base}/{path}", headers=headers)
                assert answer.status_code in {200, 304}, (path, headers)
                assert answer.headers.get_list("vary") == [vary], (path, headers, method)
