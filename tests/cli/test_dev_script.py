"""`python3 dev.py`: which command each of its words runs, and that stopping it stops its
server (run in a process of its own, as a supervisor or an IDE stops it)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import dev
import httpx
import pytest

from tests.served import SCRIPTHUB, free_port, wait_until_live


@pytest.mark.parametrize(
    ("words", "runs"),
    [
        (["serve", "--port", "9000"], ["scripthub", "serve", "--port", "9000"]),
        (["demo"], ["scripthub", "demo", "seed"]),
        (["mail", "--limit", "1"], ["scripthub", "mail", "latest", "--limit", "1"]),
        (["cli", "users", "list"], ["scripthub", "users", "list"]),
        (["test", "-x"], ["python", "-m", "pytest", "-n", "4", "--dist", "loadscope", "-x"]),
    ],
)
def test_each_command_runs_its_scripthub_command(words: list[str], runs: list[str]) -> None:
    command, *rest = words

    argv = dev.command_line(command, rest)

    assert [Path(argv[0]).name, *argv[1:]] == runs
    assert Path(argv[0]).parent == dev.BIN


def test_sigterm_stops_the_server_it_runs(tmp_path: Path) -> None:
    port = free_port()
    server = [SCRIPTHUB, "serve", "--port", str(port)]
    # Its own database and secret: dev.py runs it in the checkout, which must stay untouched.
    environment = {
        "SCRIPTHUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}",
        "SCRIPTHUB_JWT_SECRET": "dev-script-test-secret-0123456789abcdef",
    }
    log = tmp_path / "dev.log"
    with log.open("wb") as output:
        running = subprocess.Popen(  # noqa: S603 - this interpreter running dev.py
            [sys.executable, "-c", f"import dev, sys; sys.exit(dev.run_until_stopped({server!r}))"],
            cwd=Path(dev.__file__).parent,
            env={**os.environ, **environment},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that a failure can end the server it would leave
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(running, base, log)
        running.send_signal(signal.SIGTERM)
        code = running.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.pid, signal.SIGKILL)

    assert code == 128 + signal.SIGTERM, log.read_text()
    assert "Application shutdown complete." in log.read_text()  # it stopped gracefully
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/health/live")
