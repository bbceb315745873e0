"""A real `scripthub serve` process, for the tests that talk to ScriptHub as its clients do
(over TCP) and as its operator does (`scripthub users grant-role` beside the server)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

SCRIPTHUB = str(Path(sys.executable).parent / "scripthub")


@dataclass(frozen=True)
class Server:
    base_url: str
    workdir: Path
    environment: dict[str, str]
    """What the server was started with, on top of the test process's own environment."""
    log: Path
    """The server's output so far."""

    def run(self, *argv: str) -> str:
        """`scripthub *argv` run as the operator runs it: a process of its own, in the server's
        directory with the server's settings (so on its database and stores); its output."""
        finished = subprocess.run(  # noqa: S603 - our own console script
            [SCRIPTHUB, *argv],
            cwd=self.workdir,
            env={**os.environ, **self.environment},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert finished.returncode == 0, finished.stderr
        return finished.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(workdir: Path, *arguments: str, **environment: str) -> Iterator[Server]:
    """A real `scripthub serve *arguments` process in `workdir` (with `environment` added),
    until the block ends. Its output (to a file: a pipe nobody reads would block a busy server) must
    hold no traceback."""
    port = free_port()
    log = workdir / f"server-{port}.log"
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - our own console script
            [SCRIPTHUB, "serve", "--port", str(port), *arguments],
            cwd=workdir,
            env={**os.environ, **environment},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(server, base, log)
        yield Server(base, workdir, environment, log)
    finally:
        server.terminate()
        server.wait(timeout=30)
        text = log.read_text()
        assert "Traceback" not in text, text


def wait_until_live(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited at start:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health/live").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the server did not start within 30 s")
