"""The benches' raw baselines do exactly the product's I/O: `bench/run.py --check-io-only` on a
small load (one worker per server, cheap bcrypt, a few warm-up requests), so that a migration
or a change to a measured route cannot make a baseline drift unnoticed (issue 20).

The bench makes its own database, Redis prefix and servers; the servers listen on a block of
ports found free here, so the test runs beside others and beside benches.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests import services

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "bench" / "run.py"
PORT_SPAN = 10  # the bench's servers listen on its port base plus 1 to 9
POSTGRES_LOG = Path(
    os.environ.get("SCRIPTHUB_TEST_POSTGRES_LOG", "/var/log/postgresql/postgresql-15-main.log")
)
PRODUCT_RAW_PAIRS = 8  # update check, /me, refresh, login, register, PATCH /me, publish, rating


def free_port_base() -> int:
    """A port base whose next PORT_SPAN - 1 ports nothing listens on."""
    for _ in range(100):
        base = random.randrange(20_000, 60_000, PORT_SPAN)
        if all(_free(base + offset) for offset in range(1, PORT_SPAN)):
            return base
    pytest.fail("no free block of ports for the bench's servers")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.timeout(300)
def test_every_raw_baseline_does_the_products_io(redis_url: str) -> None:
    postgres = services.check_postgres()
    if not os.access(POSTGRES_LOG, os.R_OK):
        services.unavailable(
            "PostgreSQL's server log", FileNotFoundError(f"{POSTGRES_LOG} is not readable")
        )
    checked = subprocess.run(  # noqa: S603 - our own bench
        [
            sys.executable,
            str(RUN),
            "--check-io-only",
            f"--port-base={free_port_base()}",
            f"--postgres={postgres}",
            f"--redis={redis_url}",
            f"--pg-log={POSTGRES_LOG}",
            "--workers=1",
            "--bcrypt-rounds=4",
            "--check-warm-up=4",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    shown = differences(checked.stdout + checked.stderr)
    assert checked.returncode == 0, shown
    assert "I/O check: OK" in checked.stdout, shown
    assert checked.stdout.count("    same I/O: OK") >= PRODUCT_RAW_PAIRS + 1, shown  # + guard


def differences(output: str) -> str:
    """Each pair's verdict and differences, then the end of the output (a traceback)."""
    marks = ("=== ", "!!! ", "    same I/O", "    Redis", "    SQL", "I/O check")
    verdicts = [line for line in output.splitlines() if line.startswith(marks)]
    return "\n".join([*verdicts, "...", output[-3000:]])
