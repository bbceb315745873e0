"""The script code routes under load, each part against a baseline served the same way in
the same run (run.py's machinery: scratch database, servers, wrk, CPU accounting, cleanup).

    .venv/bin/python bench/script_code.py                  # every part
    .venv/bin/python bench/script_code.py --only installs  # one part (repeatable)
    .venv/bin/python bench/script_code.py --skip installs  # all but one (repeatable)
    .venv/bin/python bench/script_code.py --commit HEAD    # a committed tree

Creates a fresh database, migrates it and seeds one public script of about 20 KB through the
product's use cases (seed_script.py), then runs the parts:

  installs  GET /api/scripts/{id}/raw, every request from a client of its own (installs.lua:
            its own X-Forwarded-For address, the servers trusting 127.0.0.1/32), so that every
            answer counts an install. The product (port 18001) against the same product with
            install counting switched off (uncounted_app.py, port 18007), both up at once,
            interleaved rounds with the order alternating. After each run it waits for the
            flushes and checks that `install_count` grew by exactly the number of clients
            the product took in (their rate-limit counters in Redis: wrk's 200 answers plus
            the requests still in flight when wrk stopped), or not at all after a run on the
            uncounted server. Target: counted / uncounted throughput >= 0.8, every run exact.

  update_checks
            GET /api/scripts/{id}/raw with `If-None-Match` holding the script's digest: a
            script manager whose copy is current (304, anonymous). First the I/O check of the
            pair (iocheck.py, product and raw: one MULTI block and no SQL each, the product's
            first requests filling the latest-code cache that both read); then the product
            (port 18001), raw_asyncpg_app.py (18002) and hello_app.py (18003, GET /hello),
            all up at once, warmed up, and interleaved rounds with the order alternating
            (status.lua: every answer not a 304, or on hello a 200, is counted and fails the
            part). Target: product / raw throughput >= 0.8 with the I/O the same; product /
            hello is reported.

  downloads GET /api/scripts/{id}/raw without `If-None-Match`, of plain scripts of 1 KiB,
            50 KiB and 2 MiB (seed_script.py --bytes), always from the same client (each
            request still runs the install count, de-duplicated): the product (18001)
            against raw_asyncpg_app.py (18002: the rate-limit MULTI block, one SELECT of the
            stored code, the install EVALSHA, the bytes as stored) and, when nginx is
            installed, nginx (18008) serving the same stored bytes as static files (the
            physical anchor; the column is left out with a message otherwise), all up at
            once, warmed up, interleaved rounds with the order alternating (status.lua:
            every answer not a 200 fails the part). Targets: the product's app CPU per
            50 KiB download <= 0.6 ms, product / raw throughput at 50 KiB >= 0.8, and the
            product's app CPU per 2 MiB download, less the bytes' copy, at most 2x that per
            1 KiB one; product / nginx is reported. The copy is what a bare ASGI app
            (static_app.py, 18009, same uvicorn) spends more on a 2 MiB answer of the same
            bytes than on a 1 KiB one.

A part is a function taking the bench and returning its summary (PARTS): a new one goes
beside `installs_part`, with its baseline's server in run.py's PORTS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
from iocheck import UPDATE_CHECK, check_io
from run import (
    BENCH,
    HOST,
    PORTS,
    Bench,
    Load,
    WrkResult,
    add_bench_options,
    exit_on_signals,
    log,
    median,
    pooled_ms,
    pooled_stack_ms,
    table,
    verdict,
)
from seed_script import sized_id_file

from scripthub.entrypoints.install_flusher import FLUSH_SECONDS

TARGET_INSTALLS_VS_UNCOUNTED = 0.8
TARGET_UPDATE_CHECKS_VS_RAW = 0.8
COUNTED, UNCOUNTED = "product", "uncounted"
PRODUCT, RAW, HELLO, ALT = "product", "raw", "hello", "alt"
OK, NOT_MODIFIED = 200, 304
LIVE = ("/health/live", {})  # readiness without an install: the raw route would count one
FIRST_OCTET = 11  # of the first run's client addresses; each run takes the next one
LAST_OCTET = 126  # below 127.0.0.0/8, where the trusted proxy lives
SETTLE_SECONDS = 20.0  # the longest wait for a run's installs to be flushed


@dataclass(frozen=True)
class InstallCheck:
    """What one run answered, took in and counted."""

    answered: int
    """200 answers wrk received."""
    admitted: int
    """Distinct clients the server took in: wrk's answers and the requests in flight when it
    stopped (the server still serves those, and counts them)."""
    expected: int
    """Installs the run must add: every client taken in, or none on the uncounted server."""
    counted: int
    """What `install_count` grew by once the flushes were done."""

    @property
    def exact(self) -> bool:
        return self.counted == self.expected and self.admitted >= self.answered


class ScriptCodeBench(Bench):
    """run.py's `Bench` with one seeded script and clients that never come back."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.env["SCRIPTHUB_TRUSTED_PROXIES"] = "127.0.0.1/32"
        self.script_id = ""
        self.octet = FIRST_OCTET
        self.redis = redis.Redis.from_url(args.redis)

    @property
    def raw_path(self) -> str:
        return f"/api/scripts/{self.script_id}/raw"

    def sized_script(self, size: int) -> str:
        """The id of a plain public script of exactly `size` bytes, seeded the first time it
        is asked for (its stored code in `code-<id>.js`)."""
        id_file = self.work / sized_id_file(size)
        if not id_file.exists():
            log(self.python(str(BENCH / "seed_script.py"), str(self.work), f"--bytes={size}"))
        return id_file.read_text().strip()

    def install_count(self) -> int:
        return int(self.query(f"SELECT install_count FROM scripts WHERE id = '{self.script_id}'"))

    def new_clients(self, server: str, load: Load) -> tuple[WrkResult, int]:
        """One wrk run of the raw route from clients no run used before; its result, and the
        number of distinct clients the server took in (each has its own rate-limit counter,
        named by its address)."""
        if self.octet > LAST_OCTET:
            msg = "out of client addresses: fewer rounds"
            raise RuntimeError(msg)
        octet, self.octet = self.octet, self.octet + 1
        args = [str(octet), str(load.threads)]
        result = self.wrk(server, self.raw_path, "installs.lua", args, load)
        pattern = f"{self.prefix}rate:api:{octet}.*"
        return result, sum(1 for _ in self.redis.scan_iter(match=pattern, count=1000))

    def installs(self, server: str, load: Load) -> tuple[WrkResult, InstallCheck]:
        """A run of new clients, and its check once the flushes have written its installs
        (the uncounted server's too: it must have counted none)."""
        before = self.install_count()
        result, admitted = self.new_clients(server, load)
        expected = admitted if server == COUNTED else 0
        deadline = time.monotonic() + SETTLE_SECONDS
        while self.install_count() < before + expected and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(FLUSH_SECONDS + 0.5)  # a flush more: nothing arrives late, or it shows
        counted = self.install_count() - before
        return result, InstallCheck(result.ok, admitted, expected, counted)

    def cleanup(self) -> None:
        super().cleanup()
        self.redis.close()


def installs_part(bench: ScriptCodeBench) -> dict[str, object]:
    """The raw route from new clients: counted / uncounted, and every counted run exact."""
    servers = (COUNTED, UNCOUNTED)
    bench.start_servers(servers, ready=dict.fromkeys(servers, LIVE))
    args = bench.args
    log(f"warming up ({args.warmup} s per server)")
    for server in servers:
        bench.installs(server, Load(args.threads, args.connections, args.warmup))
    runs: dict[str, list[WrkResult]] = {server: [] for server in servers}
    checks: dict[str, list[InstallCheck]] = {server: [] for server in servers}
    for round_number in range(args.repeat):
        log(f"installs, round {round_number + 1} of {args.repeat}")
        for server in servers if round_number % 2 == 0 else servers[::-1]:
            result, check = bench.installs(server, bench.load)
            runs[server].append(result)
            checks[server].append(check)
    bench.stop_servers(servers)
    return report_installs(runs, checks)


def report_installs(
    runs: dict[str, list[WrkResult]], checks: dict[str, list[InstallCheck]]
) -> dict[str, object]:
    counted_runs, uncounted_runs = runs[COUNTED], runs[UNCOUNTED]
    print()
    print(table([(f"{s} GET .../raw #{i + 1}", r) for s in runs for i, r in enumerate(runs[s])]))
    print()
    for server, server_checks in checks.items():
        for number, check in enumerate(server_checks, 1):
            print(
                f"     {server} #{number}: wrk 200 answers {check.answered}, clients taken in"
                f" {check.admitted}, install_count +{check.counted} (expected"
                f" +{check.expected})  {'exact' if check.exact else 'NOT EXACT'}"
            )
    ratio = median(counted_runs).ok_rps / median(uncounted_runs).ok_rps
    by_cpu = pooled_stack_ms(uncounted_runs) / pooled_stack_ms(counted_runs)
    paired = [c.ok_rps / u.ok_rps for c, u in zip(counted_runs, uncounted_runs, strict=True)]
    exact = all(check.exact for server_checks in checks.values() for check in server_checks)
    passed = ratio >= TARGET_INSTALLS_VS_UNCOUNTED and exact
    print(
        f"installs: counted {median(counted_runs).ok_rps:.1f}/s / uncounted"
        f" {median(uncounted_runs).ok_rps:.1f}/s = {ratio:.3f} (medians; by CPU {by_cpu:.3f};"
        f" rounds {', '.join(f'{r:.3f}' for r in paired)}); target >="
        f" {TARGET_INSTALLS_VS_UNCOUNTED}; counts {'exact' if exact else 'NOT EXACT'}"
        f"  {verdict(passed)}"
    )
    return {"ratio": ratio, "by_cpu": by_cpu, "rounds": paired, "exact": exact, "pass": passed}


def update_checks_part(bench: ScriptCodeBench) -> dict[str, object]:
    """Update checks of a current copy: product / raw (the target, fair only once their I/O
    is checked the same) and product / hello (reported)."""
    io_same = check_io(bench, (PRODUCT, RAW), titles=(UPDATE_CHECK,)) == 0
    bench.stop_servers((PRODUCT, RAW))  # their connections log every statement
    path, headers = bench.update_check()
    update_check = (path, [str(NOT_MODIFIED), headers["If-None-Match"]])
    requests = {PRODUCT: update_check, RAW: update_check, HELLO: ("/hello", [str(OK)])}
    if bench.args.ab:
        requests[ALT] = update_check
    servers = tuple(requests)
    bench.start_servers(servers)
    args = bench.args

    def run(server: str, load: Load) -> WrkResult:
        server_path, status_args = requests[server]
        return bench.wrk(server, server_path, "status.lua", status_args, load)

    log(f"warming up ({args.warmup} s per server)")
    for server in servers:
        run(server, Load(args.threads, args.connections, args.warmup))
    runs: dict[str, list[WrkResult]] = {server: [] for server in servers}
    for round_number in range(args.repeat):
        log(f"update checks, round {round_number + 1} of {args.repeat}")
        for server in servers if round_number % 2 == 0 else servers[::-1]:
            runs[server].append(run(server, bench.load))
    bench.stop_servers(servers)
    return report_update_checks(runs, io_same=io_same)


@dataclass(frozen=True)
class Ratio:
    """The product against a baseline, run in the same rounds."""

    throughput: float
    """Of the medians of the rounds."""
    by_cpu: float
    """The baseline's stack CPU per request over the product's, over all rounds."""
    rounds: list[float]
    """Each round's throughput ratio."""

    @classmethod
    def of(cls, product: list[WrkResult], baseline: list[WrkResult]) -> Ratio:
        return cls(
            median(product).ok_rps / median(baseline).ok_rps,
            pooled_stack_ms(baseline) / pooled_stack_ms(product),
            [p.ok_rps / b.ok_rps for p, b in zip(product, baseline, strict=True)],
        )

    def __str__(self) -> str:
        rounds = ", ".join(f"{r:.3f}" for r in self.rounds)
        return f"{self.throughput:.3f} (medians; by CPU {self.by_cpu:.3f}; rounds {rounds})"


def report_update_checks(runs: dict[str, list[WrkResult]], *, io_same: bool) -> dict[str, object]:
    routes = dict.fromkeys((PRODUCT, RAW, ALT), "GET .../raw 304") | {HELLO: "GET /hello"}
    print()
    print(table([(f"{s} {routes[s]} #{i + 1}", r) for s in runs for i, r in enumerate(runs[s])]))
    print()
    wrong = {server: sum(r.non_2xx + r.unexpected for r in runs[server]) for server in runs}
    for server, results in runs.items():
        expected = OK if server == HELLO else NOT_MODIFIED
        print(
            f"     {server}: median {median(results).ok_rps:.1f}/s; CPU ms per request"
            f" app {pooled_ms(results, server):.3f}, stack"
            f" {pooled_stack_ms(results):.3f} (all rounds); answers other than"
            f" {expected}: {wrong[server]}"
        )
    vs_raw = Ratio.of(runs[PRODUCT], runs[RAW])
    vs_hello = Ratio.of(runs[PRODUCT], runs[HELLO])
    all_right = not any(wrong.values())
    passed = vs_raw.throughput >= TARGET_UPDATE_CHECKS_VS_RAW and all_right and io_same
    print(f"update checks: product / hello = {vs_hello}; reported, no target")
    if ALT in runs:
        print(f"update checks, --ab copy: alt / raw = {Ratio.of(runs[ALT], runs[RAW])}")
        print(f"update checks, --ab copy: alt / product = {Ratio.of(runs[ALT], runs[PRODUCT])}")
    print(
        f"update checks: product / raw = {vs_raw}; target >= {TARGET_UPDATE_CHECKS_VS_RAW};"
        f" answers {'all as expected' if all_right else 'NOT ALL AS EXPECTED'}; I/O"
        f" {'the same' if io_same else 'DIFFERS, not a fair comparison'}  {verdict(passed)}"
    )
    return {
        "vs_raw": vs_raw,
        "vs_hello": vs_hello,
        "wrong_answers": wrong,
        "io_same": io_same,
        "pass": passed,
    }


DOWNLOAD_SIZES = {"1 KiB": 1024, "50 KiB": 50 * 1024, "2 MiB": 2 * 1024 * 1024}
TARGET_DOWNLOAD_CPU_MS = 0.6  # app CPU per 50 KiB download
TARGET_DOWNLOADS_VS_RAW = 0.8  # at 50 KiB
TARGET_LARGE_VS_SMALL_CPU = 2.0  # app CPU per 2 MiB download / per 1 KiB one
NGINX, STATIC = "nginx", "static"
NGINX_CONF = """user root;
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type text/plain;
  client_body_temp_path {folder}/body;
  server {{
    listen {host}:{port};
    root {folder}/www;
    location / {{ add_header Cache-Control no-cache; }}
  }}
}}
"""


def start_nginx(bench: ScriptCodeBench, script_ids: list[str]) -> bool:
    """nginx serving each script's stored code at `/{id}.js`, as one of the bench's servers
    (its workers counted, stopped with the others); False if nginx is not installed."""
    binary = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")
    if binary is None:
        log("nginx is not installed (apt-get install -y nginx-light): no nginx column")
        return False
    folder = bench.work / NGINX
    (folder / "www").mkdir(parents=True)
    for script_id in script_ids:
        shutil.copy(bench.work / f"code-{script_id}.js", folder / "www" / f"{script_id}.js")
    conf = folder / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(workers=bench.args.workers, folder=folder, host=HOST, port=PORTS[NGINX])
    )
    with (bench.work / f"{NGINX}.log").open("w") as sink:
        bench.servers[NGINX] = subprocess.Popen(
            [binary, "-c", str(conf), "-g", "daemon off;"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    bench.wait_ready(NGINX, f"/{script_ids[0]}.js", {})
    return True


def downloads_part(bench: ScriptCodeBench) -> dict[str, object]:
    """Downloads of 1 KiB, 50 KiB and 2 MiB scripts: product / raw and the product's app CPU
    (the targets), product / nginx (reported)."""
    ids = {label: bench.sized_script(size) for label, size in DOWNLOAD_SIZES.items()}
    first = f"/api/scripts/{ids['1 KiB']}/raw"
    static = f"/{ids['1 KiB']}.js"
    bench.start_servers(
        (PRODUCT, RAW, STATIC), ready={PRODUCT: LIVE, RAW: (first, {}), STATIC: (static, {})}
    )
    servers: tuple[str, ...] = (PRODUCT, RAW, STATIC)
    if start_nginx(bench, list(ids.values())):
        servers = (*servers, NGINX)
    args = bench.args

    def run(server: str, label: str, load: Load) -> WrkResult:
        script_id = ids[label]
        path = f"/{script_id}.js" if server in {NGINX, STATIC} else f"/api/scripts/{script_id}/raw"
        return bench.wrk(server, path, "status.lua", [str(OK)], load)

    log(f"warming up ({args.warmup} s per server and size)")
    for label in ids:
        for server in servers:
            run(server, label, Load(args.threads, args.connections, args.warmup))
    runs: dict[str, dict[str, list[WrkResult]]] = {
        label: {server: [] for server in servers} for label in ids
    }
    for round_number in range(args.repeat):
        log(f"downloads, round {round_number + 1} of {args.repeat}")
        for label in ids:
            for server in servers if round_number % 2 == 0 else servers[::-1]:
                runs[label][server].append(run(server, label, bench.load))
    bench.stop_servers(servers)
    return report_downloads(runs)


def report_downloads(runs: dict[str, dict[str, list[WrkResult]]]) -> dict[str, object]:
    print()
    print(
        table(
            [
                (f"{server} {label} #{number + 1}", result)
                for label, by_server in runs.items()
                for server, results in by_server.items()
                for number, result in enumerate(results)
            ]
        )
    )
    print()
    cpu: dict[str, float] = {}
    wrong = 0
    summary: dict[str, object] = {}
    for label, by_server in runs.items():
        cpu[label] = pooled_ms(by_server[PRODUCT], PRODUCT)
        wrong += sum(r.non_2xx + r.unexpected for rs in by_server.values() for r in rs)
        vs_raw = Ratio.of(by_server[PRODUCT], by_server[RAW])
        line = (
            f"downloads {label}: product {median(by_server[PRODUCT]).ok_rps:.1f}/s, app CPU"
            f" {cpu[label]:.3f} ms (raw {pooled_ms(by_server[RAW], RAW):.3f} ms); product /"
            f" raw = {vs_raw}"
        )
        vs_nginx = Ratio.of(by_server[PRODUCT], by_server[NGINX]) if NGINX in by_server else None
        summary[label] = {"app_cpu_ms": cpu[label], "vs_raw": vs_raw, "vs_nginx": vs_nginx}
        if vs_nginx is None:
            line += "; product / nginx: nginx not installed"
        else:
            nginx_rps = median(by_server[NGINX]).ok_rps
            line += f"; product / nginx = {vs_nginx} (nginx {nginx_rps:.1f}/s)"
        print(line)
    mid = runs["50 KiB"]
    vs_raw_mid = Ratio.of(mid[PRODUCT], mid[RAW]).throughput
    copy_ms = pooled_ms(runs["2 MiB"][STATIC], STATIC) - pooled_ms(runs["1 KiB"][STATIC], STATIC)
    large_vs_small = (cpu["2 MiB"] - copy_ms) / cpu["1 KiB"]
    print(f"downloads: the bytes' copy, 2 MiB against 1 KiB (static_app.py): {copy_ms:.3f} ms")
    checks = {
        f"app CPU per 50 KiB download {cpu['50 KiB']:.3f} ms <= {TARGET_DOWNLOAD_CPU_MS}": (
            cpu["50 KiB"] <= TARGET_DOWNLOAD_CPU_MS
        ),
        f"product / raw at 50 KiB {vs_raw_mid:.3f} >= {TARGET_DOWNLOADS_VS_RAW}": (
            vs_raw_mid >= TARGET_DOWNLOADS_VS_RAW
        ),
        f"app CPU 2 MiB less the copy / 1 KiB {large_vs_small:.2f} <= "
        f"{TARGET_LARGE_VS_SMALL_CPU}": (large_vs_small <= TARGET_LARGE_VS_SMALL_CPU),
        f"answers other than 200: {wrong}": wrong == 0,
    }
    for check, passed in checks.items():
        print(f"downloads: {check}  {verdict(passed)}")
    return {**summary, "pass": all(checks.values())}


PARTS: dict[str, Callable[[ScriptCodeBench], dict[str, object]]] = {
    "installs": installs_part,
    "update_checks": update_checks_part,
    "downloads": downloads_part,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_bench_options(parser)
    parser.add_argument("--repeat", type=int, default=4, help="rounds of each part's pair")
    parser.add_argument(
        "--ab",
        type=Path,
        help="update_checks: the product again, from this changed copy of src/ (as alt)",
    )
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part")
    parser.add_argument("--skip", action="append", choices=PARTS, help="leave this part out")
    # What iocheck.py's seed needs: a few accounts (its servers get ready on GET /api/users/me).
    # Two servers up at once, on a PostgreSQL whose 100 connections are shared: 8 each.
    parser.set_defaults(users=4, admins=0, pool_size=8)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    exit_on_signals()
    parts = [name for name in args.only or PARTS if name not in (args.skip or [])]
    started = time.monotonic()
    bench = ScriptCodeBench(args)
    summary: dict[str, dict[str, object]] = {}
    try:
        bench.create_database()
        bench.script_id = bench.seed_script()
        for name in parts:
            summary[name] = PARTS[name](bench)
    finally:
        bench.cleanup()
        log(f"done in {time.monotonic() - started:.0f} s")
    return 0 if all(part["pass"] for part in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
