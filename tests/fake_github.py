"""A fake GitHub for source tests: raw files, releases (API and asset downloads) and plain
files at any path, over real HTTP on 127.0.0.1 (uvicorn in a thread of its own), changeable
per test. Files answer with an ETag and honour If-None-Match (304).

    fake_github.put_file("me/repo", "main", "a.user.js", code)   # raw.githubusercontent.com
    fake_github.release("me/repo", "v1.0", {"a.user.js": code})   # becomes the latest
    fake_github.put_url("/files/a.user.js", code)                # any URL: fake_github.url(...)
    fake_github.delay = 0.5                                      # every answer that late
    fake_github.hits("/raw/me/repo/main/a.user.js")              # requests seen
    fake_github.environment()     # SCRIPTHUB_GITHUB_URL and SCRIPTHUB_GITHUB_RAW_URL
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from tests.threaded_server import ThreadedServer


class FakeGitHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadedServer(self._asgi, "fake GitHub")
        self.base_url = self._server.base_url
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._files: dict[str, bytes] = {}
            self._releases: dict[str, list[tuple[str, dict[str, bytes]]]] = {}
            self._hits: Counter[str] = Counter()
            self.delay = 0.0

    def environment(self) -> dict[str, str]:
        """GitHub's addresses pointed at the fake, which the server's own fetcher reaches on
        loopback."""
        return {
            "SCRIPTHUB_GITHUB_URL": f"{self.base_url}/api",
            "SCRIPTHUB_GITHUB_RAW_URL": f"{self.base_url}/raw",
            "SCRIPTHUB_FETCH_ALLOW_LOOPBACK": "1",
        }

    def url(self, path: str) -> str:
        return self.base_url + path

    def put_file(self, repository: str, ref: str, path: str, body: str | bytes) -> None:
        self.put_url(f"/raw/{repository}/{ref}/{path}", body)

    def put_url(self, path: str, body: str | bytes) -> None:
        with self._lock:
            self._files[path] = body.encode() if isinstance(body, str) else body

    def remove_url(self, path: str) -> None:
        with self._lock:
            self._files.pop(path, None)

    def release(self, repository: str, tag: str, assets: dict[str, str | bytes]) -> None:
        """A release published now: the latest."""
        encoded = {name: b.encode() if isinstance(b, str) else b for name, b in assets.items()}
        with self._lock:
            self._releases.setdefault(repository, []).append((tag, encoded))
            for name, body in encoded.items():
                self._files[f"/downloads/{repository}/{tag}/{name}"] = body

    def hits(self, path: str) -> int:
        """Requests seen for `path` (`"304 " + path`: those answered 304)."""
        with self._lock:
            return self._hits[path]

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    async def _asgi(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        path = unquote(scope["path"])
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        with self._lock:
            self._hits[path] += 1
            delay = self.delay
            status, body, extra = self._answer(path, headers)
            if status == 304:
                self._hits[f"304 {path}"] += 1
        if delay:
            await asyncio.sleep(delay)
        response_headers = [(b"content-type", b"application/octet-stream")]
        response_headers += [(name.encode(), value.encode()) for name, value in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    def _answer(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        if path.startswith("/api/repos/"):
            return self._release_api(path.removeprefix("/api/repos/"))
        body = self._files.get(path)
        if body is None:
            return 404, b"Not Found", {}
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if headers.get("if-none-match") == etag:
            return 304, b"", {"etag": etag}
        return 200, body, {"etag": etag}

    def _release_api(self, rest: str) -> tuple[int, bytes, dict[str, str]]:
        owner, repo, _, *which = rest.split("/")
        repository = f"{owner}/{repo}"
        releases = self._releases.get(repository, [])
        found = None
        if which == ["latest"] and releases:
            found = releases[-1]
        elif len(which) == 2 and which[0] == "tags":
            found = next((r for r in releases if r[0] == which[1]), None)
        if found is None:
            return 404, b'{"message": "Not Found"}', {}
        tag, assets = found
        document = {
            "tag_name": tag,
            "assets": [
                {
                    "name": name,
                    "browser_download_url": f"{self.base_url}/downloads/{repository}/{tag}/{name}",
                }
                for name in assets
            ],
        }
        return 200, json.dumps(document).encode(), {}


@pytest.fixture(scope="session")
def _fake_github_server() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_github(_fake_github_server: FakeGitHub) -> Iterator[FakeGitHub]:
    """The session's fake GitHub, emptied before and after the test."""
    _fake_github_server.reset()
    yield _fake_github_server
    _fake_github_server.reset()
