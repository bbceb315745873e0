"""What the source tests repeat: an app whose fetcher reaches the fake GitHub, a script with
a source, waiting for a sync, and signed webhook deliveries."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from litestar.testing import AsyncTestClient

from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
from tests.api.client import Api
from tests.api.script_calls import publish
from tests.fake_github import FakeGitHub
from tests.userscripts import userscript

REPOSITORY = "octo/tools"
FILE = "dark.user.js"
BLOB_URL = f"https://github.com/{REPOSITORY}/blob/main/{FILE}"
SYNCED_WITHIN = 15.0


@contextlib.asynccontextmanager
async def source_app(
    environment: dict[str, str], fake_github: FakeGitHub, **overrides: str
) -> AsyncIterator[Api]:
    """The app on `environment`, GitHub being the fake."""
    settings = load_settings(
        {**environment, **fake_github.environment(), **overrides}, env_file=None
    )
    container = build_container(settings)
    async with AsyncTestClient(app=create_app(container)) as client:
        yield Api(client, container)


async def script_with_source(
    api: Api, fake_github: FakeGitHub, session: str, sync: str = "manual"
) -> dict[str, Any]:
    """A script at 1.0 whose source is `BLOB_URL`, holding the same code."""
    code = userscript("1.0")
    script = await publish(api, session, code=code)
    fake_github.put_file(REPOSITORY, "main", FILE, code)
    response = await api.send(
        "PUT", f"/api/scripts/{script['id']}/source", session, json={"url": BLOB_URL, "sync": sync}
    )
    assert response.status_code == 200, response.text
    return script


async def synced(
    api: Api, session: str, script_id: str, after: str | None = None
) -> dict[str, Any]:
    """The source once its last sync is later than `after` (any, with None)."""
    deadline = time.monotonic() + SYNCED_WITHIN
    while True:
        response = await api.get(f"/api/scripts/{script_id}/source", session)
        assert response.status_code == 200, response.text
        last = response.json()["last_sync"]
        if last is not None and (after is None or last["at"] > after):
            return last  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, "no sync came"
        await asyncio.sleep(0.1)


async def sync_now(api: Api, session: str, script_id: str) -> dict[str, Any]:
    before = (await api.get(f"/api/scripts/{script_id}/source", session)).json()["last_sync"]
    response = await api.send("POST", f"/api/scripts/{script_id}/source/sync", session)
    assert response.status_code == 202, response.text
    uuid.UUID(response.json()["sync_id"])
    return await synced(api, session, script_id, None if before is None else before["at"])


def signed(secret: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def deliver(
    api: Api,
    user_id: str,
    event: str,
    payload: dict[str, Any],
    secret: str | None,
    delivery: str | None = None,
    signature: str | None = None,
) -> Any:
    body, good = signed(secret or "", payload)
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
    }
    if secret is not None or signature is not None:
        headers["X-Hub-Signature-256"] = signature or good
    return await api.client.post(f"/api/webhooks/github/{user_id}", content=body, headers=headers)


def push(
    paths: list[str], ref: str = "refs/heads/main", repository: str = REPOSITORY
) -> dict[str, Any]:
    return {
        "ref": ref,
        "repository": {"full_name": repository},
        "commits": [{"id": "abc", "added": [], "modified": paths, "removed": []}],
    }
