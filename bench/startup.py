"""Start-up and memory: how long a server takes from its command to its first 200, and how
much memory each of its workers holds idle and after 1,000 requests, beside the baselines
started the same way in the same run (run.py's machinery: scratch database, seed, cleanup),
from compiled bytecode as an installed package runs.

    .venv/bin/python bench/startup.py                      # 5 rounds, production mode
    .venv/bin/python bench/startup.py --rounds 7 --commit HEAD
    .venv/bin/python bench/startup.py --skip-peer          # without fastapi-users
    .venv/bin/python bench/startup.py --before /tmp/main/src   # + the product from there

The servers, each alone on the machine while it is measured, one round starting each of them
once, the order rotating from round to round:

  product         `scripthub serve`, PostgreSQL + Redis, --workers 2 (as run.py starts it)
  product-sqlite  `scripthub serve`, the embedded wiring: SQLite and in-process stores, one
                  worker (the only count it allows), SCRIPTHUB_ALLOW_EMBEDDED_IN_PRODUCTION=1;
                  probed with the anonymous `GET /api/scripts` (its sessions live in its own
                  process, so no token seeded beforehand is known to it)
  raw             raw_asyncpg_app.py through serve.py, --workers 2
  peer            peer_fastapi_users/app.py through serve.py in its own venv, --workers 2
                  (bench/peer_fastapi_users/setup.sh first)
  before          with --before DIR: `scripthub serve` from another src/ folder (the code
                  before a change), PostgreSQL + Redis, --workers 2

Time to first 200: from just before the server's process is started to the first 200 of its
authenticated `GET .../users/me` (polled every 10 ms, a new connection each time), and the CPU
time by then of the server's master process plus its busiest worker (the start's critical
path, which a busy machine stretches less than the wall time). Then, once
every worker has logged "Application startup complete" and 1 s has passed, the idle RSS of
each worker process (VmRSS); then 1,000 such requests, 4 at a time on new connections (so
that every worker gets some), and the RSS again. A server's figures are the median over the
rounds; RSS is per worker (the mean of its workers). Targets (both wirings): the product's
start-up <= 1 s and its idle RSS per worker <= 80 MiB, set where the raw app started in 0.64 s
and held 64 MiB; so, on any machine, start-up (wall and CPU) <= 1.56x the raw app's and idle
RSS <= 1.25x, measured in the same run. The exit status follows the ratios when raw ran.
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from run import (
    BENCH,
    HOST,
    PEER_PYTHON,
    PEER_TOKENS,
    TICKS,
    Bench,
    add_bench_options,
    exit_on_signals,
    log,
    verdict,
)

TARGET_FIRST_200_SECONDS = 1.0
TARGET_IDLE_RSS_MIB = 80.0
# The same targets as ratios to the raw app measured in the same run: the issue set 1 s and
# 80 MiB where raw started in 0.64 s and held 64 MiB per worker, on its machine.
RAW_AT_TARGETS = (0.64, 64.0)
TARGET_START_UP_RATIO = TARGET_FIRST_200_SECONDS / RAW_AT_TARGETS[0]  # 1.56x
TARGET_RSS_RATIO = TARGET_IDLE_RSS_MIB / RAW_AT_TARGETS[1]  # 1.25x
REQUESTS_AFTER = 1000
CONCURRENCY = 4
POLL_SECONDS = 0.01
STARTED = b"startup complete"
OK = 200
SQLITE = "product-sqlite"
# Ports of their own: other benches (run.py's 18001-18009) may be running on this machine.
PORTS = {"product": 18101, SQLITE: 18102, "raw": 18103, "before": 18105, "peer": 18106}


@dataclass(frozen=True)
class Start:
    """One start-up of one server."""

    first_200: float
    first_request: float
    """Seconds the request answered by that first 200 took: a worker's first request, which
    pays for whatever its start left to first use."""
    cpu_to_200: float
    """CPU seconds of the master and its busiest worker until then: the start's critical path
    in CPU, which the machine's load does not stretch as it does the wall time."""
    idle_mib: float
    after_mib: float


class StartupBench(Bench):
    """run.py's `Bench`, starting each server alone and timing it."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.sqlite_env = {
            **{k: v for k, v in self.env.items() if k != "SCRIPTHUB_REDIS_URL"},
            "SCRIPTHUB_DATABASE_URL": f"sqlite+aiosqlite:///{self.work / 'embedded.db'}",
            "SCRIPTHUB_SESSION_STORE": "memory",
            "SCRIPTHUB_ALLOW_EMBEDDED_IN_PRODUCTION": "1",
        }
        before = str(args.before.resolve()) if args.before else ""
        self.before_env = {**self.env, "PYTHONPATH": before}

    def compile_sources(self) -> None:
        """Bytecode for every tree the servers import from, as an installed package has it
        (pip compiles a wheel's modules as it installs them): where PYTHONDONTWRITEBYTECODE is
        set, each start would otherwise compile the product's ~280 modules from source again,
        about 0.1 s of a worker's CPU, against a few dozen of the raw app's."""
        for tree in (self.source, self.args.before, BENCH):
            if tree is not None and not compileall.compile_dir(tree, quiet=1):
                msg = f"could not compile {tree}"
                raise RuntimeError(msg)

    def migrate_sqlite(self) -> None:
        """Migrate the embedded database before its first start, as the first start would."""
        env, self.env = self.env, self.sqlite_env
        try:
            self.python("-m", "scripthub.entrypoints.cli", "db", "upgrade")
        finally:
            self.env = env

    def command(self, name: str) -> list[str]:
        serve = [sys.executable, str(BENCH / "serve.py")]
        commands = {
            "product": [sys.executable, "-m", "scripthub.entrypoints.cli", "serve"],
            SQLITE: [sys.executable, "-m", "scripthub.entrypoints.cli", "serve"],
            "before": [sys.executable, "-m", "scripthub.entrypoints.cli", "serve"],
            "raw": [*serve, "raw_asyncpg_app:app"],
            "peer": [str(PEER_PYTHON), str(BENCH / "serve.py"), "peer_fastapi_users.app:app"],
        }
        workers = "1" if name == SQLITE else str(self.args.workers)
        port = str(PORTS[name])
        return [*commands[name], "--host", HOST, "--port", port, "--workers", workers]

    def probe(self, name: str) -> tuple[str, dict[str, str]]:
        """The authenticated user read each server answers once it can serve."""
        if name == "peer":
            token = (self.work / PEER_TOKENS).read_text().split("\n", 1)[0]
            return "/users/me", {"Authorization": f"Bearer {token}"}
        if name == SQLITE:  # its sessions live in its own process: an anonymous read
            return "/api/scripts", {}
        token = (self.work / "access.txt").read_text().split("\n", 1)[0]
        return "/api/users/me", {"Authorization": f"Bearer {token}"}

    def start_once(self, name: str) -> Start:
        path, headers = self.probe(name)
        workers = 1 if name == SQLITE else self.args.workers
        log_file = self.work / f"{name}.log"
        env = {SQLITE: self.sqlite_env, "before": self.before_env}.get(name, self.env)
        with log_file.open("w") as sink:
            began = time.monotonic()
            log(f"starting {name}")
            process = subprocess.Popen(
                self.command(name),
                env=env,
                cwd=self.work,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.servers[name] = process
        try:
            first_200, first_request = self.first_200(name, path, headers, began)
            cpu_to_200 = critical_cpu(process.pid)
            self.wait_started(log_file, workers)
            time.sleep(1.0)
            idle = worker_rss_mib(process.pid)
            with ThreadPoolExecutor(CONCURRENCY) as pool:
                codes = list(
                    pool.map(lambda _: get(PORTS[name], path, headers), range(REQUESTS_AFTER))
                )
            if refused := Counter(code for code in codes if code != OK):
                # The RSS is still that of a worker after the traffic; say what went wrong.
                log(f"{name}: not 200: {dict(refused)} of {REQUESTS_AFTER} (see {log_file})")
            after = worker_rss_mib(process.pid)
        finally:
            self.stop_servers((name,))
        return Start(first_200, first_request, cpu_to_200, idle, after)

    def first_200(
        self, name: str, path: str, headers: dict[str, str], began: float
    ) -> tuple[float, float]:
        """Seconds from `began` to the first 200, and the seconds that request took."""
        deadline = began + 60
        while time.monotonic() < deadline:
            if self.servers[name].poll() is not None:
                msg = f"{name} exited:\n{(self.work / f'{name}.log').read_text()}"
                raise RuntimeError(msg)
            with suppress(OSError):
                asked = time.monotonic()
                if get(PORTS[name], path, headers) == 200:
                    answered = time.monotonic()
                    return answered - began, answered - asked
            time.sleep(POLL_SECONDS)
        msg = f"{name} did not answer 200 on {path} within 60 s"
        raise RuntimeError(msg)

    def wait_started(self, log_file: Path, workers: int) -> None:
        deadline = time.monotonic() + 60
        while log_file.read_bytes().count(STARTED) < workers:
            if time.monotonic() > deadline:
                msg = f"fewer than {workers} workers started: {log_file}"
                raise RuntimeError(msg)
            time.sleep(0.1)


def get(port: int, path: str, headers: dict[str, str]) -> int:
    """The status of a GET on a new connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def worker_rss_mib(master: int) -> float:
    """The mean resident set of the server's workers: the processes under its master that
    serve (uvicorn's spawned workers), or the master itself when it serves alone."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    workers = [int(pid) for pid in children if b"spawn" in _cmdline(int(pid))] or [master]
    return statistics.mean(_rss_kib(pid) for pid in workers) / 1024


def critical_cpu(master: int) -> float:
    """CPU seconds the master and the busiest of its children have used so far."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return _cpu_seconds(master) + max((_cpu_seconds(int(pid)) for pid in children), default=0.0)


def _cpu_seconds(pid: int) -> float:
    with suppress(OSError):
        raw = Path(f"/proc/{pid}/stat").read_text()
        fields = raw[raw.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return 0.0


def _cmdline(pid: int) -> bytes:
    with suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    return b""


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    msg = f"no VmRSS for {pid}"
    raise RuntimeError(msg)


def report(runs: dict[str, list[Start]], loads: list[tuple[float, float, float]]) -> bool:
    medians = {
        name: Start(
            statistics.median(s.first_200 for s in starts),
            statistics.median(s.first_request for s in starts),
            statistics.median(s.cpu_to_200 for s in starts),
            statistics.median(s.idle_mib for s in starts),
            statistics.median(s.after_mib for s in starts),
        )
        for name, starts in runs.items()
    }
    print(
        f"\n{'server':<16}{'first 200 s':>12}{'CPU to it s':>12}{'idle MiB':>10}"
        f"{'1k req MiB':>12}{'1st req ms':>12}  (medians)"
    )
    for name, start in medians.items():
        print(
            f"{name:<16}{start.first_200:>12.3f}{start.cpu_to_200:>12.2f}"
            f"{start.idle_mib:>10.1f}{start.after_mib:>12.1f}{start.first_request * 1000:>12.1f}"
        )
        spread = ", ".join(f"{s.first_200:.2f}/{s.cpu_to_200:.2f}" for s in runs[name])
        print(f"{'':<16}first 200 / CPU per round: {spread}")
    print()
    for baseline in ("raw", "peer", "before"):
        if baseline not in medians:
            continue
        for name in ("product", SQLITE):
            ours, theirs = medians[name], medians[baseline]
            print(
                f"{name} / {baseline}: start-up {ours.first_200 / theirs.first_200:.2f}x"
                f" (CPU {ours.cpu_to_200 / theirs.cpu_to_200:.2f}x),"
                f" idle RSS {ours.idle_mib / theirs.idle_mib:.2f}x,"
                f" after 1k {ours.after_mib / theirs.after_mib:.2f}x"
            )
    print(f"load average (1, 5, 15 min) per round: {', '.join(str(load) for load in loads)}")
    passed = True
    for name in ("product", SQLITE):
        start = medians[name]
        fast = start.first_200 <= TARGET_FIRST_200_SECONDS
        lean = start.idle_mib <= TARGET_IDLE_RSS_MIB
        print(
            f"{name}: first 200 {start.first_200:.2f} s <= {TARGET_FIRST_200_SECONDS} s"
            f" {verdict(fast)}; idle RSS {start.idle_mib:.1f} MiB <= {TARGET_IDLE_RSS_MIB}"
            f" MiB {verdict(lean)} (absolute: this machine's speed and load decide)"
        )
        if (raw := medians.get("raw")) is None:
            passed = passed and fast and lean
            continue
        ratios = {
            "wall": start.first_200 / raw.first_200,
            "CPU": start.cpu_to_200 / raw.cpu_to_200,
        }
        rss = start.idle_mib / raw.idle_mib
        fast = all(ratio <= TARGET_START_UP_RATIO for ratio in ratios.values())
        lean = rss <= TARGET_RSS_RATIO
        passed = passed and fast and lean
        print(
            f"{name} / raw: start-up "
            + ", ".join(f"{kind} {ratio:.2f}x" for kind, ratio in ratios.items())
            + f" <= {TARGET_START_UP_RATIO:.2f}x {verdict(fast)};"
            f" idle RSS {rss:.2f}x <= {TARGET_RSS_RATIO:.2f}x {verdict(lean)}"
        )
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_bench_options(parser)
    parser.set_defaults(env="production", users=4, admins=0)
    parser.add_argument("--rounds", type=int, default=5, help="start-ups per server (>= 5)")
    parser.add_argument("--skip-peer", action="store_true", help="leave out fastapi-users")
    parser.add_argument("--before", type=Path, help="also the product from this src/ folder")
    args = parser.parse_args()
    names = [
        "product",
        SQLITE,
        "raw",
        *(() if args.skip_peer else ("peer",)),
        *(("before",) if args.before else ()),
    ]
    exit_on_signals()
    bench = StartupBench(args)
    try:
        bench.create_database()
        bench.seed({})
        if not args.skip_peer:
            bench.seed_peer()
        bench.migrate_sqlite()
        bench.compile_sources()
        runs: dict[str, list[Start]] = {name: [] for name in names}
        loads = []
        for round_ in range(args.rounds):
            order = names[round_ % len(names) :] + names[: round_ % len(names)]
            for name in order:
                start = bench.start_once(name)
                runs[name].append(start)
                log(
                    f"round {round_ + 1} {name}: first 200 {start.first_200:.3f} s"
                    f" (that request {start.first_request * 1000:.1f} ms)"
                    f" ({start.cpu_to_200:.2f} s CPU), idle"
                    f" {start.idle_mib:.1f} MiB, after {REQUESTS_AFTER} {start.after_mib:.1f} MiB"
                )
            loads.append(tuple(round(load, 2) for load in os.getloadavg()))
        return 0 if report(runs, loads) else 1
    finally:
        bench.cleanup()


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
