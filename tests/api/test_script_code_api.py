"""A script's code over HTTP, the way Tampermonkey and Violentmonkey fetch it: install URLs,
update checks (`Accept: text/x-userscript-meta, */*`, HEAD, `If-None-Match`,
`If-Modified-Since`), pinned versions, and installs counted once a day per client."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from scripthub.adapters.redis import RedisInstallCounter, redis_client_for
from scripthub.domain.scripts import MAX_CODE_BYTES
from scripthub.entrypoints.containers import build_container, close_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
from tests.api.client import Api, HttpApi, ServedApi, assert_problem
from tests.api.script_calls import install_count, installs_counted, post_version, publish
from tests.served import serving
from tests.userscripts import installable

PUBLIC = "https://api.scripthub.test"
UPDATE_CHECK = {"Accept": "text/x-userscript-meta, */*"}
CLOSING = "// ==/UserScript=="
DEAD_REDIS = "redis://127.0.0.1:1/0"
ERRORS_METRIC = 'scripthub_install_count_errors_total{stage="record"} '


@pytest.fixture(scope="module")
def server_settings() -> dict[str, str]:
    """Our update URLs; and the test, the server's peer, names clients in `X-Forwarded-For`."""
    return {
        "SCRIPTHUB_PUBLIC_URL": f"{PUBLIC}/",
        "SCRIPTHUB_TRUSTED_PROXIES": "127.0.0.1/32",
    }


@pytest.fixture
def api(served_api: ServedApi) -> ServedApi:
    return served_api


async def seed(
    api: HttpApi,
    versions: list[tuple[str, str]] | None = None,
    *,
    owner: dict[str, Any] | None = None,
    visibility: str = "public",
    language: str = "javascript",
) -> dict[str, Any]:
    """A script of `owner` (else a new user) with `versions` ((version, code), oldest first)
    published; the script as its first version made it."""
    token = (owner or await api.register())["access_token"]
    (version, code), *later = versions or [("1.0", installable())]
    script = await publish(
        api,
        token,
        name=f"Script {uuid.uuid4().hex[:8]}",
        code=code,
        version=version,
        visibility=visibility,
        language=language,
    )
    for version, code in later:
        response = await post_version(api, token, script["id"], code=code, version=version)
        assert response.status_code == 201, response.text
    return script


def first_modified(script: dict[str, Any], shift: timedelta = timedelta()) -> str:
    """The HTTP date (to the second) of the script's first version, moved by `shift`."""
    published = datetime.fromisoformat(script["latest_version"]["created_at"])
    return format_datetime(published.replace(microsecond=0) + shift, usegmt=True)


async def wait_for_installs(api: HttpApi, script: dict[str, Any], expected: int) -> None:
    """`install_count` reaches `expected` (and stays there a flush longer)."""
    await installs_counted(api, script["id"], expected)
    await asyncio.sleep(2.5)
    assert await install_count(api, script["id"]) == expected


def served(code: str, script: dict[str, Any], extension: str = "js", eol: str = "\n") -> bytes:
    base = f"{PUBLIC}/api/scripts/{script['id']}/{script['slug']}"
    urls = f"// @updateURL    {base}.meta.{extension}{eol}// @downloadURL  {base}.user.{extension}"
    return code.replace(CLOSING, f"{urls}{eol}{CLOSING}", 1).encode()


def tag(code: str, script: dict[str, Any] | None = None, suffix: str = "") -> str:
    """The entity tag of `code` as a version's raw serves it, or as `script`'s latest code
    (which also names what its update URLs are made from)."""
    sha256 = hashlib.sha256(code.encode()).hexdigest()
    if script is None:
        return f'"{sha256}{suffix}"'
    made_from = f"{PUBLIC}\n{script['id']}\n{script['slug']}\n{script['language']}"
    served_as = hashlib.blake2b(made_from.encode(), digest_size=8).hexdigest()
    return f'"{sha256}.{served_as}{suffix}"'


def assert_code_headers(
    response: httpx.Response, etag: str, modified: str, cache: str = "no-cache"
) -> None:
    assert response.headers["etag"] == etag
    assert response.headers["last-modified"] == modified
    assert response.headers["cache-control"] == cache
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_raw_and_the_install_url_serve_the_published_bytes_with_our_update_urls(
    api: ServedApi,
) -> None:
    crlf = installable(name="Ünïcödé ✓", eol="\r\n")
    script = await seed(api, [("1.0", crlf)])
    expected = served(crlf, script, eol="\r\n")

    raw = await api.get(f"/api/scripts/{script['id']}/raw")
    by_slug = await api.get(f"/api/scripts/{script['slug']}/raw")
    install = await api.get(f"/api/scripts/{script['id']}/{script['slug']}.user.js")

    for response in (raw, by_slug, install):
        assert response.status_code == 200, response.text
        assert response.content == expected
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["vary"] == "Accept, Origin"
        assert_code_headers(response, tag(crlf, script), first_modified(script))


async def test_a_2_mib_script_comes_back_whole(api: ServedApi) -> None:
    head = installable()
    code = head + "/" * (MAX_CODE_BYTES - len(head.encode()) - 1) + "\n"
    assert len(code.encode()) == MAX_CODE_BYTES
    script = await seed(api, [("1.0", code)])

    response = await api.get(f"/api/scripts/{script['id']}/{script['slug']}.user.js")

    assert response.status_code == 200
    assert response.content == served(code, script)


async def test_the_meta_block_alone_for_update_checks(api: ServedApi) -> None:
    code = installable()
    script = await seed(api, [("1.0", code)])
    expected = served(code.split(CLOSING)[0] + CLOSING + "\n", script).replace(
        b"// @icon         data:image/png;base64,iVBORw0KGgo=\n", b""
    )

    meta = await api.get(f"/api/scripts/{script['id']}/meta")
    meta_js = await api.get(f"/api/scripts/{script['id']}/{script['slug']}.meta.js")
    accepted = await api.send("GET", f"/api/scripts/{script['id']}/raw", headers=UPDATE_CHECK)
    on_install_url = await api.send(
        "GET", f"/api/scripts/{script['id']}/{script['slug']}.user.js", headers=UPDATE_CHECK
    )

    for response in (meta, meta_js, accepted, on_install_url):
        assert response.status_code == 200, response.text
        assert response.content == expected
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert_code_headers(response, tag(code, script, "-meta"), first_modified(script))
    await wait_for_installs(api, script, 0)


async def test_user_styles_update_from_css_urls(api: ServedApi) -> None:
    css = "/* ==UserStyle==\n@name Dark\n@version 1.0\n==/UserStyle== */\nbody { color: red }\n"
    script = await seed(api, [("1.0", css)], language="css")
    base = f"{PUBLIC}/api/scripts/{script['id']}/{script['slug']}"

    response = await api.get(f"{base}.user.css".removeprefix(PUBLIC))
    meta = await api.get(f"{base}.meta.css".removeprefix(PUBLIC))
    heads = [
        await api.send("HEAD", f"{base}.{kind}.css".removeprefix(PUBLIC))
        for kind in ("user", "meta")
    ]

    assert response.text == css.replace(
        "==/UserStyle==",
        f"@updateURL {base}.meta.css\n@downloadURL {base}.user.css\n==/UserStyle==",
    )
    assert meta.text.startswith("/* ==UserStyle==\n@name Dark\n")
    for head, get in zip(heads, (response, meta), strict=True):
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-length"] == str(len(get.content))
        assert head.headers["etag"] == get.headers["etag"]


async def test_without_a_metadata_block_meta_is_not_found_and_raw_still_answers(
    api: ServedApi,
) -> None:
    script = await seed(api, [("1.0", "print('hi')\r\n")], language="python")

    meta = await api.get(f"/api/scripts/{script['id']}/meta")
    checked = await api.send("GET", f"/api/scripts/{script['id']}/raw", headers=UPDATE_CHECK)

    assert_problem(meta, 404, "not_found")
    assert checked.content == b"print('hi')\r\n"


async def test_revalidation_answers_304_with_the_validators_and_no_body(api: ServedApi) -> None:
    code = installable()
    script = await seed(api, [("1.0", code)])
    url = f"/api/scripts/{script['id']}/{script['slug']}.user.js"

    current = [
        {"If-None-Match": tag(code, script)},
        {"If-None-Match": f"W/{tag(code, script)}"},
        {"If-None-Match": f'"stale", {tag(code, script)}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": first_modified(script)},
        {"If-Modified-Since": "Mon, 01 Jan 2035 00:00:00 GMT"},
        {**UPDATE_CHECK, "If-None-Match": tag(code, script, "-meta")},
    ]
    for headers in current:
        for method in ("GET", "HEAD"):
            response = await api.send(method, url, headers=headers)
            assert response.status_code == 304, headers
            assert response.content == b""
            assert response.headers["last-modified"] == first_modified(script)
            assert response.headers["cache-control"] == "no-cache"
            assert response.headers["etag"] in {tag(code, script), tag(code, script, "-meta")}
    stale = [
        {"If-None-Match": '"stale"'},
        {"If-None-Match": tag(code, script), "Accept": "text/x-userscript-meta"},
        {"If-None-Match": '"stale"', "If-Modified-Since": first_modified(script)},
        {"If-Modified-Since": first_modified(script, -timedelta(seconds=1))},
        {"If-Modified-Since": "not a date"},
    ]
    for headers in stale:
        response = await api.send("GET", url, headers=headers)
        assert response.status_code == 200, headers
    await wait_for_installs(api, script, 1)


async def test_head_answers_like_get_without_a_body_and_is_no_install(api: ServedApi) -> None:
    code = installable()
    script = await seed(api, [("1.0", code)])

    for path in ("raw", "meta", f"{script['slug']}.user.js", f"{script['slug']}.meta.js"):
        url = f"/api/scripts/{script['id']}/{path}"
        head = await api.send("HEAD", url)
        get = await api.send("GET", url)

        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-length"] == str(len(get.content))
        for header in ("etag", "last-modified", "cache-control", "content-type"):
            assert head.headers[header] == get.headers[header]
    await wait_for_installs(api, script, 1)  # the GETs, from one client


async def test_no_accept_value_is_ever_a_406(api: ServedApi) -> None:
    script = await seed(api)
    accepts = ["application/json", "image/png", "*/*;q=0", ";;,", "text/x-userscript-meta;q=0"]

    for accept in accepts:
        response = await api.send(
            "GET", f"/api/scripts/{script['id']}/raw", headers={"Accept": accept}
        )
        assert response.status_code == 200, accept
        assert response.text.endswith("'black'; // ünïcödé ✓\n")


async def test_a_version_raw_is_pinned_and_kept_by_caches_10_minutes_at_most(
    api: ServedApi,
) -> None:
    old = installable("1.0")
    script = await seed(api, [("1.0", old), ("1.1", installable("1.1"))])
    url = f"/api/scripts/{script['id']}/versions/1.0/raw"

    response = await api.get(url)
    again = await api.send("GET", url, headers={"If-None-Match": tag(old)})
    head = await api.send("HEAD", url)
    latest = await api.get(f"/api/scripts/{script['id']}/raw")

    pinned = "// @updateURL    none\n// @downloadURL  none\n"
    assert response.content == old.replace(CLOSING, pinned + CLOSING).encode()
    ten_minutes = "public, max-age=600"  # a takedown reaches shared caches within that
    assert_code_headers(response, tag(old), first_modified(script), ten_minutes)
    assert response.headers["vary"] == "Origin"
    assert again.status_code == 304
    assert again.headers["cache-control"] == ten_minutes
    assert (head.status_code, head.content) == (200, b"")
    assert "// @version      1.1\n" in latest.text


@pytest.mark.parametrize(
    "path",
    [
        "versions/9.9/raw",
        "versions/1.0%00/raw",
        "versions/%FF%FE/raw",
        "versions/%ED%A0%80/raw",
        f"versions/{'9' * 5000}/raw",
        "nothing.txt",
        ".user.js",
    ],
)
async def test_bad_versions_and_file_names_are_refused_never_500(api: ServedApi, path: str) -> None:
    script = await seed(api)

    response = await api.get(f"/api/scripts/{script['id']}/{path}")

    assert response.status_code in {400, 404}, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("name", ["no-such-script", "%00%00%00", "%FF%FE%FD", "x" * 3000])
async def test_unknown_scripts_are_not_found(api: ServedApi, name: str) -> None:
    for path in ("raw", "meta", "any.user.js", "versions/1.0/raw"):
        response = await api.get(f"/api/scripts/{name}/{path}")
        assert response.status_code in {400, 404}, response.text


async def test_a_wrong_slug_still_serves_the_script(api: ServedApi) -> None:
    script = await seed(api)

    response = await api.get(f"/api/scripts/{script['id']}/an-old-name.user.js")

    assert response.status_code == 200
    assert f"/{script['slug']}.user.js\n" in response.text


async def test_private_scripts_are_their_owners_and_deleted_ones_nobodys(api: ServedApi) -> None:
    owner = await api.register()
    stranger = await api.register()
    script = await seed(api, owner=owner, visibility="private")
    paths = [
        "raw",
        "meta",
        f"{script['slug']}.user.js",
        f"{script['slug']}.meta.js",
        "versions/1.0/raw",
    ]

    for path in paths:
        url = f"/api/scripts/{script['id']}/{path}"
        assert_problem(await api.get(url), 404, "not_found")
        assert_problem(await api.get(url, stranger["access_token"]), 404, "not_found")
        assert_problem(await api.get(url, "not.a.token"), 401, "invalid_token")
        mine = await api.get(url, owner["access_token"])
        assert mine.status_code == 200, path
        assert mine.headers["cache-control"].startswith("private, ")

    deleted = await api.send("DELETE", f"/api/scripts/{script['id']}", owner["access_token"])
    assert deleted.status_code == 204, deleted.text
    for path in paths:
        response = await api.get(f"/api/scripts/{script['id']}/{path}", owner["access_token"])
        assert_problem(response, 404, "not_found")


async def test_an_install_counts_once_a_day_per_user_or_client_address(api: ServedApi) -> None:
    ada, bob = await api.register(), await api.register()
    script = await seed(api)
    url = f"/api/scripts/{script['id']}/{script['slug']}.user.js"

    async def install(token: str | None, client: str, path: str = url) -> None:
        forwarded = {"X-Forwarded-For": client}  # by the test, a trusted proxy
        response = await api.send("GET", path, token, headers=forwarded)
        assert response.status_code == 200

    await install(ada["access_token"], "203.0.113.1")
    await install(ada["access_token"], "203.0.113.2")  # the same user, elsewhere
    await install(bob["access_token"], "203.0.113.1")
    await install(None, "198.51.100.1")
    await install(None, "198.51.100.1", f"/api/scripts/{script['id']}/raw")  # the same address
    await install(None, "198.51.100.2")

    await wait_for_installs(api, script, 4)


async def test_with_the_install_counter_down_the_code_is_served_uncounted(
    wiring_environment: dict[str, str],
) -> None:
    container = build_container(load_settings(wiring_environment, env_file=None))
    dead = providers.Singleton(redis_client_for, DEAD_REDIS)  # nothing listens on port 1
    container.adapters.install_counter.override(providers.Singleton(RedisInstallCounter, dead))
    async with AsyncTestClient(app=create_app(container)) as client:
        api = Api(client, container)
        script = await seed(api)
        before = await errors_counted(api)

        response = await api.get(f"/api/scripts/{script['id']}/{script['slug']}.user.js")

        assert response.status_code == 200
        assert response.text.startswith("// ==UserScript==\n")
        assert await errors_counted(api) == before + 1
        assert await install_count(api, script["id"]) == 0
    await dead().aclose()


async def errors_counted(api: Api) -> float:
    metrics = (await api.client.get("/metrics")).text
    [row] = [row for row in metrics.splitlines() if row.startswith(ERRORS_METRIC)]
    return float(row.removeprefix(ERRORS_METRIC))


async def test_a_clean_shutdown_flushes_the_last_installs(
    fresh_environment: dict[str, str], tmp_path: Path
) -> None:
    with serving(tmp_path, **fresh_environment) as server:
        async with ServedApi.connected(server) as api:
            script = await seed(api)
            assert (await api.get(f"/api/scripts/{script['id']}/raw")).status_code == 200

    # Read once the server is gone: another one would fold what this one left behind.
    container = build_container(load_settings(fresh_environment, env_file=None))
    async with container.adapters.unit_of_work() as uow:
        found = await uow.scripts.get(uuid.UUID(script["id"]))
    await close_container(container)
    assert found is not None
    assert found.install_count == 1


async def test_these_routes_set_their_own_cache_rules_and_others_stay_no_store(
    api: ServedApi,
) -> None:
    script = await seed(api)
    pair = await api.register()

    code = await api.get(f"/api/scripts/{script['id']}/raw")
    me = await api.get("/api/users/me", pair["access_token"])

    assert code.headers.get_list("cache-control") == ["no-cache"]
    assert me.headers["cache-control"] == "no-store"
