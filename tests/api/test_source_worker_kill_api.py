"""A sync worker killed (SIGKILL) in the middle of a sync, on both wirings: the job waits
out its lease, another worker process runs it, and the version is published once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.api.script_calls import audited
from tests.api.source_calls import FILE, REPOSITORY, script_with_source, source_app, synced
from tests.fake_github import FakeGitHub
from tests.userscripts import userscript

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2


@contextlib.contextmanager
def worker(environment: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sync_worker_process"],
        env={**os.environ, **environment},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()


async def test_a_worker_killed_mid_sync_hands_it_over_and_it_is_published_once(
    wiring_environment: dict[str, str], fake_github: FakeGitHub
) -> None:
    environment = {
        **wiring_environment,
        **fake_github.environment(),
        "SCRIPTHUB_SOURCE_SYNC": "external",
        "SCRIPTHUB_SOURCE_SYNC_LEASE": str(LEASE_SECONDS),
    }
    raw = f"/raw/{REPOSITORY}/main/{FILE}"
    async with source_app(environment, fake_github) as api:
        session = (await api.register())["access_token"]
        script = await script_with_source(api, fake_github, session)
        fake_github.put_file(REPOSITORY, "main", FILE, userscript("1.1"))
        fake_github.delay = 8.0  # the first worker is mid-fetch when it dies
        queued = await api.send("POST", f"/api/scripts/{script['id']}/source/sync", session)
        assert queued.status_code == 202, queued.text

        with worker(environment) as first:
            deadline = time.monotonic() + 15
            while fake_github.hits(raw) < 2:  # the PUT's check, then the worker's fetch
                assert time.monotonic() < deadline, "the first worker never fetched"
                await asyncio.sleep(0.05)
            first.kill()
            first.wait()
        fake_github.delay = 0.0
        killed_at = time.monotonic()
        with worker(environment):
            last = await synced(api, session, script["id"])
        handed_over_after = time.monotonic() - killed_at

        versions = await api.get(f"/api/scripts/{script['id']}/versions", session)
        entries = await audited(api, "script.synced", script["id"])

    assert (last["status"], last["version"]) == ("published", "1.1")
    assert [v["version"] for v in versions.json()["items"]] == ["1.1", "1.0"]
    assert [(e["metadata"]["status"], e["metadata"]["attempts"]) for e in entries] == [
        ("published", 2)
    ]
    assert handed_over_after < LEASE_SECONDS + 10
