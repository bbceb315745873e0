#!/usr/bin/env python3
"""Everything a fresh checkout needs: `python3 dev.py serve` and `python3 dev.py test`
(and `python3 dev.py demo`, which loads the demo catalogue: `scripthub demo seed`).
`python3 dev.py serve --reload` restarts the server whenever the code changes.
`python3 dev.py mail` prints the latest mails whole (`scripthub mail latest`: the
verification link is there), and `python3 dev.py cli ...` runs any `scripthub ...` command.
Stopping dev.py (Ctrl-C, or SIGTERM) stops what it runs.

Creates `.venv` from the hash-pinned lock file on first use (and again whenever the lock
changes), then runs the server or the whole test suite inside it. Before the tests it installs
Debian's `chromium` package, which the browser tests drive, when it is missing and this is a
Debian machine where it runs as root (CI's is); `python3 dev.py chromium` does only that, and
fails when it cannot.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements-dev.lock"
STAMP = VENV / ".installed-lock"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
# Distributions the lock dropped for one that installs the same module: removed (with their
# successor) before installing, so that none of their files stays in its place.
REPLACED = {"swagger-ui-bundle": "swagger-ui-bundle-v2"}
CHROMIUM = Path("/usr/bin/chromium")
# The suite waits far more than it computes (servers starting, databases copied, deadlines run
# out): four pytest-xdist workers keep two cores busy. Each worker takes whole modules, so a
# module's real servers start once. `python3 dev.py test -n 0` runs in one process.
PARALLEL = ["-n", "4", "--dist", "loadscope"]
APT_GET = Path("/usr/bin/apt-get")


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("ScriptHub needs Python 3.11 or newer.")
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for old, new in REPLACED.items():
        show = [str(BIN / "python"), "-m", "pip", "show", "--quiet", old]
        if subprocess.run(show, capture_output=True, check=False).returncode == 0:
            uninstall = [str(BIN / "python"), "-m", "pip", "uninstall", "--yes", "--quiet"]
            subprocess.run([*uninstall, old, new], check=True)
    print("Installing locked dependencies ...", flush=True)
    subprocess.run([*pip, "--require-hashes", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)


def ensure_chromium(*, required: bool) -> None:
    """Debian's chromium at /usr/bin/chromium, installed with apt-get when missing. Where it
    cannot be, the browser tests skip, saying why (they fail under SCRIPTHUB_REQUIRE_SERVICES=1);
    `required`: exit instead."""
    if CHROMIUM.exists():
        return
    if APT_GET.exists() and os.name != "nt" and os.geteuid() == 0:
        print("Installing Debian's chromium for the browser tests ...", flush=True)
        apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for step in (["update", "-qq"], ["install", "-y", "-qq", "chromium"]):
            done = subprocess.run(
                [str(APT_GET), *step], env=apt, stdin=subprocess.DEVNULL, check=False
            )
            if done.returncode != 0:
                print(f"apt-get {step[0]} failed (exit {done.returncode}).", flush=True)
                break
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is missing: `sudo apt-get install -y chromium` for the browser tests."
        )
        if required:
            sys.exit(message)
        print(message, flush=True)


def command_line(command: str, rest: list[str]) -> list[str]:
    """What `python3 dev.py <command> <rest>` runs, inside .venv."""
    scripthub = str(BIN / "scripthub")
    return {
        "serve": [scripthub, "serve", *rest],
        "demo": [scripthub, "demo", "seed", *rest],
        "mail": [scripthub, "mail", "latest", *rest],
        "cli": [scripthub, *rest],
        "test": [str(BIN / "python"), "-m", "pytest", *PARALLEL, *rest],
    }[command]


def run_until_stopped(argv: list[str]) -> int:
    """Run `argv` in the checkout; a SIGTERM to dev.py is passed on to it (it would otherwise
    die alone and leave a server listening), and Ctrl-C, which the terminal sends to both,
    waits for it to stop. Its exit status, as a shell gives it (128 + N when signal N ended
    it: uvicorn ends by raising the signal that stopped it again)."""
    child = subprocess.Popen(argv, cwd=ROOT)
    signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
    while True:
        try:
            code = child.wait()
            return 128 - code if code < 0 else code
        except KeyboardInterrupt:
            continue


def main() -> int:
    command, *rest = sys.argv[1:] or ["help"]
    if command == "chromium":
        ensure_chromium(required=True)
        return 0
    if command not in {"serve", "test", "demo", "mail", "cli"}:
        print(__doc__)
        return 2
    if command == "test":
        ensure_chromium(required=False)
    ensure_environment()
    return run_until_stopped(command_line(command, rest))


if __name__ == "__main__":
    sys.exit(main())
