#!/usr/bin/env python3
"""Everything a fresh checkout needs: `python3 dev.py serve` and `python3 dev.py test`
(and `python3 dev.py demo`, which loads the demo catalogue: `scripthub demo seed`).
`python3 dev.py serve --reload` restarts the server whenever the code changes.

Creates `.venv` from the hash-pinned lock file on first use (and again whenever the lock
changes), then runs the server or the whole test suite inside it.
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
    print("Installing locked dependencies ...", flush=True)
    subprocess.run([*pip, "--require-hashes", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)


def main() -> int:
    command, *rest = sys.argv[1:] or ["help"]
    if command not in {"serve", "test", "demo"}:
        print(__doc__)
        return 2
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
