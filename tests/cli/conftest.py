"""What the CLI tests share: a working directory of their own."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh directory with no SCRIPTHUB_* settings: the embedded default."""
    for name in list(os.environ):
        if name.startswith("SCRIPTHUB_") and not name.startswith("SCRIPTHUB_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCRIPTHUB_BCRYPT_ROUNDS", "4")
    return tmp_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(workdir: Path, **environment: str) -> Iterator[str]:
    """A real `scripthub serve` process in `workdir` (with `environment` added), until the
    block ends; its base URL. Its output must hold no traceback."""
    port = _free_port()
    # A file, not a pipe: a pipe read only at the end fills up with the access log and blocks
    # the server after a few hundred requests.
    with tempfile.TemporaryFile() as output:
        server = subprocess.Popen(  # noqa: S603 - our own console script
            [str(Path(sys.executable).parent / "scripthub"), "serve", "--port", str(port)],
            cwd=workdir,
            env={**os.environ, **environment},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/health/live").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                pytest.fail("the server did not start within 30 s")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)
            output.seek(0)
            logged = output.read().decode()
            assert "Traceback" not in logged, logged
