#!/usr/bin/env python3
"""Everything a fresh checkout needs: `python3 dev.py serve` and `python3 dev.py test`
(and `python3 dev.py demo`, which loads the demo catalogue: `scripthub demo seed`).
`python3 dev.py serve --reload` restarts the server whenever the code changes.

Creates `.venv` from the hash-pinned lock file on first use (and again whenever the lock
changes), then runs the server or the whole test suite inside it. Before the tests it installs
Debian's `chromium` package, which the browser tests drive, when it is missing and this is a
Debian machine where it runs as root (CI's is); `python3 dev.py chromium` does only that, and
fails when it cannot.
"""

from __future__ import annotations

import hashlib
import os
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


def main() -> int:
    command, *rest = sys.argv[1:] or ["help"]
    if command == "chromium":
        ensure_chromium(required=True)
        return 0
    if command not in {"serve", "test", "demo"}:
        print(__doc__)
        return 2
    if command == "test":
        ensure_chromium(required=False)
    ensure_environment()
    if command == "serve":
        argv = [str(BIN / "scripthub"), "serve", *rest]
    elif command == "demo":
        argv = [str(BIN / "scripthub"), "demo", "seed", *rest]
    else:
        argv = [str(BIN / "python"), "-m", "pytest", *rest]
    return subprocess.call(argv, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
