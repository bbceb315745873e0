"""py-spy profiles of routes under wrk load, one server worker each, summarized by package.

    .venv/bin/python bench/profile.py product:/api/users/me raw:/api/users/me
    .venv/bin/python bench/profile.py --commit HEAD guard:/api/bench/unguarded \\
        guard:/api/bench/guarded --keep-raw /tmp/profiles
    .venv/bin/python bench/profile.py product:PATCH:/api/users/me raw:PATCH:/api/users/me
    .venv/bin/python bench/profile.py 'product:/api/scripts/{id}/raw' 'raw:/api/scripts/{id}/raw'

Uses run.py's machinery (fresh database, seeded accounts, the same servers), but each server
runs ONE worker, so that one py-spy recording sees every request and the requests per second
that wrk reports are the worker's own. For each target, in order: wrk for `--seconds` + 4 s,
py-spy records the worker for `--seconds` from the second second on, then
`profile_summary.py` prints CPU per request by package. py-spy slows the worker it samples,
so the absolute figures are higher than the bench's `app` column: compare targets of one run.
py-spy is an investigation tool (`.venv/bin/pip install py-spy`), not a dependency.
The path `/api/scripts/{id}/raw` is an update check of a current copy (a seeded script,
`If-None-Match` holding its digest, status.lua: every answer a 304), as script_code.py's
`update_checks` part sends.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from iocheck import UPDATE_CHECK_PATH
from run import (
    ADMIN_TOKENS,
    BENCH,
    HOST,
    PORTS,
    WITHOUT_BACKGROUND_WORK,
    Bench,
    Load,
    finish_wrk,
    log,
    start_wrk,
)

PY_SPY = Path(sys.executable).parent / "py-spy"
RATE = 250


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "targets",
        nargs="+",
        metavar="SERVER:PATH",
        help="GET routes, or SERVER:PATCH:/api/users/me (patch.lua: a new bio every request),"
        " or SERVER:/api/scripts/{id}/raw (update checks)",
    )
    parser.add_argument("--commit", help="the product as committed at this revision")
    parser.add_argument("--src", type=Path, help="the product from this src/ folder")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--port-base", type=int, help="as run.py's: two runs at once")
    parser.add_argument("--keep-raw", type=Path, help="keep py-spy's raw files in this folder")
    own = parser.parse_args()
    if not PY_SPY.exists():
        raise SystemExit(f"{PY_SPY} is missing: .venv/bin/pip install py-spy")
    targets = [tuple(t.split(":", 1)) for t in own.targets]
    sys.argv = [sys.argv[0], "--workers=1"]
    sys.argv += [f"--commit={own.commit}"] if own.commit else []
    sys.argv += [f"--src={own.src}"] if own.src else []
    sys.argv += [f"--port-base={own.port_base}"] if own.port_base else []
    from run import parse_args  # noqa: PLC0415 - run.py's defaults, with the options above

    bench = Bench(parse_args())
    try:
        bench.create_database()
        bench.seed({})
        # With a write route, the mail dispatcher runs out of the servers, as in run.py's
        # write part.
        writes = any(target.startswith("PATCH:") for _, target in targets)
        bench.start_servers(
            tuple(dict.fromkeys(server for server, _ in targets)),
            env=WITHOUT_BACKGROUND_WORK if writes else None,
        )
        for server, target in targets:
            tokens = ADMIN_TOKENS if server == "guard" else "access.txt"
            method, _, path = target.rpartition(":")
            if method == "PATCH":
                script, args = "patch.lua", [str(bench.work / tokens), "2", secrets.token_hex(3)]
                bench.wrk(server, path, script, args, Load(2, 32, 3))  # warm-up
            elif path == UPDATE_CHECK_PATH:
                path, headers = bench.update_check()
                script, args = "status.lua", ["304", headers["If-None-Match"]]
                bench.wrk(server, path, script, args, Load(2, 32, 3))  # warm-up
            else:
                script, args = "get.lua", [str(bench.work / tokens), "2"]
                bench.get(server, path, Load(2, 32, 3), tokens)  # warm-up
            out = bench.work / f"wrk-profile-{server}.txt"
            load = Load(2, 32, own.seconds + 4)
            wrk = start_wrk(f"http://{HOST}:{PORTS[server]}{path}", script, args, load, out)
            bench.wrks.append(wrk)
            time.sleep(2)
            name = f"{server}-{method or 'GET'}-{path.strip('/').replace('/', '_')}"
            recording = bench.work / f"{name}.raw"
            subprocess.run(
                [
                    str(PY_SPY),
                    "record",
                    "-p",
                    str(bench.servers[server].pid),
                    "-d",
                    str(own.seconds),
                    "-r",
                    str(RATE),
                    "--format",
                    "raw",
                    "-o",
                    str(recording),
                    "--nonblocking",
                ],
                check=True,
                capture_output=True,
                timeout=own.seconds + 60,
            )
            result = finish_wrk(server, wrk, out, load.seconds)
            log(f"{server} {target}: {result.ok_rps:.0f} req/s under py-spy, one worker")
            subprocess.run(
                [
                    sys.executable,
                    str(BENCH / "profile_summary.py"),
                    str(recording),
                    f"--rps={result.ok_rps}",
                    f"--seconds={own.seconds}",
                    f"--rate={RATE}",
                ],
                check=True,
                timeout=60,
            )
            if own.keep_raw:
                own.keep_raw.mkdir(parents=True, exist_ok=True)
                shutil.copy(recording, own.keep_raw / recording.name)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
