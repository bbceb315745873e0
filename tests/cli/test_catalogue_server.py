"""The catalogue through a real `scripthub serve`, on both wirings: the README's walk-through,
the way a script manager installs and then checks for updates; and installs by many clients at
once, counted exactly."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripthub.entrypoints.install_flusher import FLUSH_SECONDS
from tests.served import SCRIPTHUB, Server, serving

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """// ==UserScript==
// @name        Hello ScriptHub
// @namespace   https://example.com/ada
// @version     {version}
// @match       https://example.com/*
// @grant       {grant}
// ==/UserScript==
console.log("hello");
"""


@pytest.fixture(params=["embedded", pytest.param("services", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, workdir: Path) -> Iterator[Server]:
    # As behind a reverse proxy on the same host: clients are told apart by X-Forwarded-For.
    environment = {"SCRIPTHUB_TRUSTED_PROXIES": "127.0.0.1/32"}
    if request.param == "services":
        environment |= {
            "SCRIPTHUB_DATABASE_URL": request.getfixturevalue("postgres_database_url"),
            "SCRIPTHUB_REDIS_URL": request.getfixturevalue("redis_url"),
            "SCRIPTHUB_REDIS_KEY_PREFIX": request.getfixturevalue("redis_prefix"),
        }
    with serving(workdir, **environment) as server:
        yield server


@pytest.fixture
def server(served: Server) -> str:
    return served.base_url


@pytest.fixture
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server) as client:
        yield client


def test_publish_update_install_and_check_for_updates(server: str, api: httpx.Client) -> None:
    account = {"email": "ada@example.com", "username": "ada", "password": PASSWORD}
    token = api.post("/api/auth/register", json=account).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    first = {"name": "Hello ScriptHub", "language": "javascript", "tags": ["demo"]}
    first["code"] = SCRIPT.format(version="1.0", grant="none")

    script = api.post("/api/scripts", json=first, headers=auth).json()
    update = api.post(
        f"/api/scripts/{script['id']}/versions",
        json={"code": SCRIPT.format(version="1.1", grant="GM_xmlhttpRequest")},
        headers=auth,
    )
    install_url = f"/api/scripts/{script['id']}/{script['slug']}.user.js"
    installed = api.get(install_url)
    check = api.head(install_url, headers={"If-None-Match": installed.headers["etag"]})
    meta = api.get(
        f"/api/scripts/{script['id']}/raw", headers={"Accept": "text/x-userscript-meta, */*"}
    )
    found = api.get("/api/scripts", params={"q": "hello"}).json()["items"]

    assert update.status_code == 201, update.text
    assert update.json()["widened"]["grant"] == ["GM_xmlhttpRequest"]
    assert installed.status_code == 200
    assert "// @version     1.1" in installed.text
    # SCRIPTHUB_PUBLIC_URL is unset: the served URLs name the port the server listens on.
    update_url = f"{server}/api/scripts/{script['id']}/hello-scripthub.meta.js"
    assert f"// @updateURL   {update_url}" in installed.text
    assert (check.status_code, check.content) == (304, b"")
    assert meta.text.endswith("// ==/UserScript==\n")
    assert [item["slug"] for item in found] == ["hello-scripthub"]
    deadline = time.monotonic() + 10
    while api.get(f"/api/scripts/{script['slug']}").json()["install_count"] != 1:
        assert time.monotonic() < deadline, "the install was not counted within 10 s"
        time.sleep(0.2)


def _readme_block(heading: str) -> str:
    """The first shell block under `heading` in the README."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(heading) :]
    block = section[section.index("```sh\n") + len("```sh\n") :]
    return block[: block.index("```\n")]


def test_the_readme_walk_through_runs_as_written(served: Server) -> None:
    server = served.base_url
    walk_through = _readme_block("## The scripts catalogue in five requests")
    first, walk_through = walk_through.split("\n", 1)
    assert first == "API=http://127.0.0.1:8000"
    verification = _readme_block("### Verify an email in development")
    # `python3 dev.py mail ...` runs `scripthub mail latest ...` beside the server.
    dev_mail = (
        f'python3() {{ [ "$1 $2" = "dev.py mail" ]; shift 2; '
        f'(cd {served.workdir} && {SCRIPTHUB} mail latest "$@"); }}\n'
    )
    script = f"API={server}\n{dev_mail}{walk_through}{verification}"

    ran = subprocess.run(  # noqa: S603 - the README's own blocks
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
        cwd=ROOT,
        env={**os.environ, **served.environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    out = ran.stdout

    assert ran.returncode == 0, ran.stderr
    assert '"slug":"hello-scripthub"' in out
    assert '"version":"1.1"' in out
    assert '"grant":["GM_xmlhttpRequest"],"connect":["example.org"]' in out
    assert "HTTP/1.1 200 OK" in out
    assert "HTTP/1.1 304 Not Modified" in out
    # The installed copy, then the metadata block alone, naming this server's port.
    assert out.count(f"// @updateURL    {server}/api/scripts/") == 2
    assert out.count('"slug":"hello-scripthub"') == 2  # published, then found
    assert "to=ada@example.com" in out
    assert out.rstrip().endswith("}")
    assert '"email_verified":true' in out.rstrip().rsplit("\n", 1)[-1]


CLIENTS = 2000
RETURNING = 200  # of those clients download the script a second time
IN_FLIGHT = 100


async def test_concurrent_installs_by_distinct_clients_count_exactly(server: str) -> None:
    # A connection per download, as distinct clients have (and no reuse of a connection the
    # server is closing after its keep-alive time: a ReadError now and then under load).
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server, limits=limits, timeout=60) as api:
        account = {"email": "ada@example.com", "username": "ada", "password": PASSWORD}
        token = (await api.post("/api/auth/register", json=account)).json()["access_token"]
        published = await api.post(
            "/api/scripts",
            json={
                "name": "Hello",
                "language": "javascript",
                "code": SCRIPT.format(version="1.0", grant="none"),
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        raw = f"/api/scripts/{published.json()['id']}/raw"
        clients = [f"10.0.{n // 256}.{n % 256}" for n in range(CLIENTS)]
        # The second downloads mixed in with the first ones, some of them at the same moment.
        downloads = clients + clients[:RETURNING]
        random.Random(2000).shuffle(downloads)
        in_flight = asyncio.Semaphore(IN_FLIGHT)

        async def download(client: str) -> int:
            async with in_flight:
                return (await api.get(raw, headers={"X-Forwarded-For": client})).status_code

        statuses = await asyncio.gather(*(download(client) for client in downloads))

        async def install_count() -> int:
            script = await api.get(f"/api/scripts/{published.json()['slug']}")
            count: int = script.json()["install_count"]
            return count

        counted, deadline = await install_count(), time.monotonic() + 10
        while counted < CLIENTS and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            counted = await install_count()
        await asyncio.sleep(FLUSH_SECONDS + 1)  # a flush more, which must add nothing
        counted_later = await install_count()

    assert published.status_code == 201, published.text
    assert statuses == [200] * (CLIENTS + RETURNING)
    assert (counted, counted_later) == (CLIENTS, CLIENTS)
