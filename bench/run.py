"""ScriptHub hot-path benchmark, end to end, in one command (about 11.5 minutes on 2 cores
with --peer, 10 without).

    apt-get install -y wrk
    bench/run.sh                       # = .venv/bin/python bench/run.py
    bench/run.sh --commit HEAD         # a committed tree instead of the working tree
    bench/run.sh --commit HEAD --peer  # + fastapi-users (bench/peer_fastapi_users/setup.sh first)
    bench/run.sh --check-io-only       # only the I/O checks (every product/raw pair, the
                                       # guard pair): exit 1 if any differs (also --check-io)
    bench/run.sh --only-writes         # only the write routes against the raw app
    bench/run.sh --only-writes --write-route publish --write-route rating  # some of them
    bench/run.sh --ab DIR              # the product against a changed copy of src/ (DIR)

1. creates a fresh PostgreSQL database and migrates it (`scripthub db upgrade`);
2. starts, each with the same worker count and the same uvicorn options, on 127.0.0.1 (ports
   from --port-base, 18000 by default):
     18001  ScriptHub itself        (`scripthub serve`, PostgreSQL + Redis)
     18002  raw_asyncpg_app.py      (the same I/O by hand: raw asyncpg + redis-py, no ORM)
     18003  hello_app.py            (bare Litestar hello world)
     18004  guard_app.py            (the product plus two routes that differ only by a guard)
     18005  with --ab DIR: the product again, from DIR (a changed copy of src/)
     18006  with --peer: peer_fastapi_users/app.py (fastapi-users 15, its own venv)
3. seeds accounts and sessions through the product's own use cases (seed.py), and with --peer
   as many fastapi-users users (peer_fastapi_users/seed.py);
4. measures the bcrypt ceiling: 12-round checks per second with one process per core;
5. runs wrk with fixed durations: the hot routes beside the two baselines (interleaved
   rounds), refresh on both, a login flood, a cheap authenticated GET idle and under that
   flood; with --peer, the product's GET /api/users/me and fastapi-users' GET /users/me
   (interleaved, raw and hello stopped); then product and raw restarted for the write routes
   PATCH /api/users/me, POST /api/auth/login, POST /api/auth/register, publishing a version
   (POST /api/scripts/{id}/versions) and rating (PUT /api/scripts/{id}/rating), interleaved;
   then (guard_app.py alone) the guarded and unguarded bench routes, interleaved;
6. prints a table, the ratios and a verdict on each target, and removes everything it
   created (servers, database, Redis keys, temporary files), also on Ctrl-C or SIGTERM.

Everything runs on the same cores as the load generator; wrk's own CPU is measured and shown,
and so is the CPU used by anything else on the machine while each run lasted (other%).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import multiprocessing
import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from iocheck import (
    ADMIN_TOKENS,
    GUARDED,
    UNGUARDED,
    WARM_UP_REQUESTS,
    WITHOUT_BACKGROUND_WORK,
    check_io,
)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PORT_BASE = 18000  # --port-base moves every server: two benches (or tests) at once
PORT_OFFSETS = {
    "product": 1,
    "raw": 2,
    "hello": 3,
    "guard": 4,
    "alt": 5,
    "peer": 6,
    "uncounted": 7,  # script_code.py: the product with install counting switched off
    "nginx": 8,  # script_code.py downloads: the stored bytes as static files
    "static": 9,  # script_code.py downloads: the same bytes from memory, a bare ASGI app
}
PORTS = {name: PORT_BASE + offset for name, offset in PORT_OFFSETS.items()}
PEER = BENCH / "peer_fastapi_users"  # --peer: fastapi-users in its own venv (setup.sh)
PEER_PYTHON = PEER / ".venv-peer" / "bin" / "python"
PEER_TOKENS = "access-peer.txt"
HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK")
PASSWORD = "bench-Password-4711"
PERMISSIONS = "/api/users/me/permissions"
SCRIPT_ID_FILE = "script-id.txt"  # seed_script.py writes the id of its script there
# seed_script.py --publisher: the owner's access token, and a new version's body whose code
# says `@version PUBLISH_VERSION_MARK` (each request fills in a version of its own)
PUBLISHER_TOKENS = "access-publisher.txt"  # Bench.access_token("publisher")
PUBLISH_BODY_FILE = "publish-body.json"
PUBLISH_VERSION_MARK = "@@VERSION@@"
PUBLISH_SCRIPTS = "publish-scripts.txt"  # their ids, one a line
PUBLISH_SCRIPT_COUNT = 8  # a script per concurrent publication: versions only grow on each
TARGET_ME_VS_RAW = 0.85
TARGET_LOGIN_VS_BCRYPT = 0.90
TARGET_FLOOD_THROUGHPUT = 0.50
TARGET_FLOOD_P99 = 3.0
TARGET_GUARD_VS_UNGUARDED = 0.90  # "at most 10 % slower"
TARGET_ME_VS_PEER = 2.0
# --mixed: GETs and logins flooding together each keep this share of their rate (issue 20,
# item 6; 0.5 before, which no split of two cores between the two can give: README 2026-11-30)
TARGET_MIXED_KEPT = 0.40


@dataclass(frozen=True)
class WriteRoute:
    """A write route measured against the raw app (same I/O, checked)."""

    name: str
    """What --write-route calls it."""
    label: str
    """Its line's label in the report."""
    route: str
    """Method and path (`{id}`: the seeded script's, or for publishing each request's)."""
    action: str | None
    """The audit action each successful request records, which run.py counts to prove the
    writes; None: not audited (ratings)."""
    bcrypt_bound: bool = False
    """Runs --write-rounds rounds of --write-duration s at the login load, not --repeat."""


PUBLISH_ROUTE = "POST /api/scripts/{id}/versions"
RATING_ROUTE = "PUT /api/scripts/{id}/rating"
WRITE_ROUTES = (
    WriteRoute("patch", "(e)", "PATCH /api/users/me", "user.updated"),
    WriteRoute("login", "(f)", "POST /api/auth/login", "auth.login", bcrypt_bound=True),
    WriteRoute("register", "(g)", "POST /api/auth/register", "user.registered", bcrypt_bound=True),
    WriteRoute("publish", "(p)", PUBLISH_ROUTE, "script.version_published"),
    WriteRoute("rating", "(r)", RATING_ROUTE, None),
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- CPU accounting -------------------------------------------------------------------------


@dataclass
class CpuSnapshot:
    at: float
    busy: int
    groups: dict[str, int]
    backends: dict[int, int]
    children: float


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process has just exited
        return ""


def cpu_snapshot(servers: dict[str, int], database: str, helpers: float) -> CpuSnapshot:
    """CPU ticks so far of each server's process tree, of the PostgreSQL backends serving
    `database`, of Redis, of reaped children (wrk; minus `helpers`, the CPU seconds of our
    own psql calls) and of the whole machine."""
    stats: dict[int, tuple[int, str, int]] = {}
    for entry in Path("/proc").iterdir():
        raw = _read(entry / "stat") if entry.name.isdigit() else ""
        if not raw:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry.name)] = (int(fields[1]), name, int(fields[11]) + int(fields[12]))
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)

    def tree(root: int) -> int:
        total, todo = 0, [root]
        while todo:
            pid = todo.pop()
            total += stats[pid][2] if pid in stats else 0
            todo.extend(children.get(pid, []))
        return total

    groups = {name: tree(pid) for name, pid in servers.items()}
    # A backend's title names its database: "postgres: 15/main: postgres <db> 127.0.0.1(...)".
    backends = {
        pid: ticks
        for pid, (_, name, ticks) in stats.items()
        if name == "postgres" and f" {database} " in _read(Path(f"/proc/{pid}/cmdline"))
    }
    groups["redis"] = sum(t for _, n, t in stats.values() if n.startswith("redis-server"))
    cpu = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has been waited for
    return CpuSnapshot(
        at=time.monotonic(),
        busy=sum(cpu) - cpu[3] - cpu[4],  # all but idle and iowait
        groups=groups,
        backends=backends,
        children=usage.ru_utime + usage.ru_stime - helpers,
    )


def cpu_usage(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU seconds per group between two snapshots, plus wrk, the rest and the wall time."""
    used = {name: (after.groups[name] - before.groups[name]) / TICKS for name in after.groups}
    # Backends that exited in between took their CPU with them: this is a lower bound.
    used["postgres"] = sum(t - before.backends.get(p, 0) for p, t in after.backends.items()) / TICKS
    used["wrk"] = after.children - before.children
    used["all"] = (after.busy - before.busy) / TICKS
    used["other"] = max(used["all"] - sum(v for k, v in used.items() if k != "all"), 0.0)
    used["wall"] = after.at - before.at
    return used


# --- wrk --------------------------------------------------------------------------------------


@dataclass
class Load:
    threads: int
    connections: int
    seconds: int
    timeout: str = "5s"


@dataclass
class WrkResult:
    server: str
    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    cpu: dict[str, float] = field(default_factory=dict)
    pg_connections: int = 0
    audit_rows: int = -1  # write routes: audit rows the run added (counted once the server idles)
    unexpected: int = 0
    """Answers below 400 of another status than the script expects (`status.lua`; wrk counts
    those from 400 up itself, in `non_2xx`)."""

    @property
    def ok(self) -> int:
        return self.requests - self.non_2xx - self.unexpected

    @property
    def ok_rps(self) -> float:
        """Throughput of successful responses (2xx, or the status the script expects): errors
        never count as work done."""
        return self.ok / self.seconds

    def cpu_ms(self, group: str) -> float:
        """CPU milliseconds per successful request spent in `group`."""
        return 1000 * self.cpu.get(group, 0.0) / max(self.ok, 1)

    @property
    def stack_ms(self) -> float:
        """CPU per request of everything serving it: app, its database backends, Redis, wrk."""
        return sum(self.cpu_ms(g) for g in (self.server, "postgres", "redis", "wrk"))


def start_wrk(url: str, script: str, args: list[str], load: Load, out: Path) -> subprocess.Popen:
    command = [
        "wrk",
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{load.seconds}s",
        f"--timeout={load.timeout}",
        "-s",
        script,
        url,
        "--",
        *args,
    ]
    with out.open("w") as sink:
        return subprocess.Popen(
            command, cwd=BENCH, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )


def finish_wrk(server: str, process: subprocess.Popen, out: Path, seconds: int) -> WrkResult:
    process.wait(timeout=seconds + 60)
    text = out.read_text()
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if process.returncode != 0 or line is None:
        msg = f"wrk failed against {server} (exit {process.returncode}):\n{text}"
        raise RuntimeError(msg)
    data = json.loads(line.removeprefix("BENCH_JSON "))
    errors, latency = data["errors"], data["latency_us"]
    return WrkResult(
        server=server,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        non_2xx=errors["status"],
        socket_errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        unexpected=data["unexpected"],
    )


# --- the run ----------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        PORTS.update({name: args.port_base + offset for name, offset in PORT_OFFSETS.items()})
        self.work = Path(tempfile.mkdtemp(prefix="scripthub-bench-"))
        self.tag = f"{os.getpid()}_{secrets.token_hex(3)}"
        self.database = f"scripthub_bench_{self.tag}"
        self.prefix = f"scripthub-bench-{self.tag}:"
        self.servers: dict[str, subprocess.Popen] = {}
        self.wrks: list[subprocess.Popen] = []
        self.database_created = False
        self.helper_cpu = 0.0
        self.load = Load(args.threads, args.connections, args.duration)
        self.env = {
            **os.environ,
            "SCRIPTHUB_ENV": args.env,
            "SCRIPTHUB_DATABASE_URL": f"{args.postgres}/{self.database}".replace(
                "postgresql://", "postgresql+asyncpg://", 1
            ),
            "SCRIPTHUB_REDIS_URL": args.redis,
            "SCRIPTHUB_REDIS_KEY_PREFIX": self.prefix,
            "SCRIPTHUB_SESSION_STORE": "redis",
            "SCRIPTHUB_JWT_SECRET": secrets.token_urlsafe(48),
            "SCRIPTHUB_BCRYPT_ROUNDS": str(args.bcrypt_rounds),
            # The bench's own: its product never shares the bound on bcrypt with another's.
            "SCRIPTHUB_BCRYPT_SLOT_DIRECTORY": str(self.work / "bcrypt-slots"),
            "SCRIPTHUB_RATE_LIMIT_API": "100000000/900",
            "SCRIPTHUB_RATE_LIMIT_AUTH": "100000000/900",
            "SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS": "100000000/900",
            "SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS_PER_SCRIPT": "100000000/900",
            # What served code's update URLs, and so its entity tags, are made from: the
            # baselines and `update_check` compute them as the product does.
            "SCRIPTHUB_PUBLIC_URL": f"http://{HOST}:{PORTS['product']}",
            "SCRIPTHUB_LOG_LEVEL": args.log_level,
            # One hour instead of 15 minutes, so that the tokens seeded before the first run
            # outlive the last one whatever --repeat and --duration say. No other effect.
            "SCRIPTHUB_ACCESS_TOKEN_TTL": "3600",
        }
        if args.pool_size:  # the raw app reads the same settings
            self.env["SCRIPTHUB_DATABASE_POOL_SIZE"] = str(args.pool_size)
            self.env["SCRIPTHUB_DATABASE_MAX_OVERFLOW"] = "0"
        if args.env == "production":  # what production asks for, though no mail is sent here
            self.env |= {
                "SCRIPTHUB_FRONTEND_URL": f"http://{HOST}:{PORTS['product']}",
                "SCRIPTHUB_MAIL_FROM": "bench@scripthub.example",
                "SCRIPTHUB_SMTP_URL": "smtp://127.0.0.1:1",
                # The benched publishers are accounts made for the run: no new-account quota.
                "SCRIPTHUB_NEW_ACCOUNT_DAYS": "0",
                **WITHOUT_BACKGROUND_WORK,
            }
        # --ab: a second product server running another src/ folder.
        self.server_env: dict[str, dict[str, str]] = {}
        if args.ab:
            alt = os.pathsep.join(
                p for p in (str(args.ab.resolve()), os.environ.get("PYTHONPATH")) if p
            )
            self.server_env["alt"] = {"PYTHONPATH": alt}
        source = self._source_tree()
        if source is not None:
            self.env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(source), os.environ.get("PYTHONPATH", "")) if p
            )
        self.source = (
            source
            or Path(self.python("-c", "import scripthub; print(scripthub.__file__)")).parent.parent
        )

    def _source_tree(self) -> Path | None:
        """The `src` folder to run instead of the installed checkout, if one was asked for;
        with --bcrypt-niceness, a copy of it with `BCRYPT_THREAD_NICENESS` changed."""
        tree = self._chosen_tree()
        if self.args.bcrypt_niceness is None:
            return tree
        source = tree or REPO / "src"
        copy = self.work / "niceness" / "src"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
        if (source.parent / "alembic").is_dir():  # the migrations, found beside src/
            shutil.copytree(source.parent / "alembic", copy.parent / "alembic")
        hasher = copy / "scripthub" / "adapters" / "security" / "bcrypt_hasher.py"
        text, found = re.subn(
            r"^BCRYPT_THREAD_NICENESS = \d+$",
            f"BCRYPT_THREAD_NICENESS = {self.args.bcrypt_niceness}",
            hasher.read_text(),
            flags=re.MULTILINE,
        )
        if found != 1:
            msg = f"--bcrypt-niceness: no BCRYPT_THREAD_NICENESS line in {hasher}"
            raise RuntimeError(msg)
        hasher.write_text(text)
        return copy

    def _chosen_tree(self) -> Path | None:
        if self.args.src:
            return self.args.src.resolve()
        if not self.args.commit:
            return None
        # The migrations too: since 5bd2613 they live in alembic/ beside src/.
        listed = subprocess.run(
            ["git", "ls-tree", "--name-only", self.args.commit, "alembic"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.split()
        archive = subprocess.run(
            ["git", "archive", "--format=tar", self.args.commit, "src", *listed],
            cwd=REPO,
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(self.work / "tree", filter="data")
        return self.work / "tree" / "src"

    # -- set-up and tear-down --

    def psql(self, sql: str) -> str:
        return psql(f"{self.args.postgres}/postgres", sql)

    def python(self, *args: str, timeout: float = 300, interpreter: str = sys.executable) -> str:
        done = subprocess.run(
            [interpreter, *args],
            env=self.env,
            cwd=self.work,  # so that no .env file of the checkout is read
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return done.stdout.strip()

    def create_database(self, *, load: bool = True) -> None:
        """The bench database, migrated; `load`: wrk must be there too (not for the I/O
        check alone)."""
        if load and shutil.which("wrk") is None:
            msg = "wrk is not installed: apt-get install -y wrk"
            raise RuntimeError(msg)
        log(f"work folder {self.work}; product code from {self.source}")
        self.psql(f'CREATE DATABASE "{self.database}"')
        self.database_created = True
        migrated = self.python("-m", "scripthub.entrypoints.cli", "db", "upgrade")
        log(f"database {self.database} at {migrated}")

    def seed(self, refresh_sets: dict[str, int]) -> None:
        seeded = self.python(
            str(BENCH / "seed.py"),
            str(self.work),
            f"--users={self.args.users}",
            f"--admins={self.args.admins}",
            *[f"--refresh={name}={count}" for name, count in refresh_sets.items()],
        )
        log(seeded)

    def seed_script(self) -> str:
        """The id of the public script seed_script.py seeds, the first time it is asked for."""
        id_file = self.work / SCRIPT_ID_FILE
        if not id_file.exists():
            log(self.python(str(BENCH / "seed_script.py"), str(self.work)))
        return id_file.read_text().strip()

    def seed_publisher(self, scripts: int) -> list[str]:
        """The ids of `scripts` scripts of one publisher (seed_script.py --publisher, which
        seeds `seed_script`'s too if it is not there yet), the first time they are asked
        for."""
        ids = self.work / PUBLISH_SCRIPTS
        if not ids.exists():
            seeding = [str(BENCH / "seed_script.py"), str(self.work), f"--publisher={scripts}"]
            log(self.python(*seeding))
        return ids.read_text().split()

    def update_check(self) -> tuple[str, dict[str, str]]:
        """The path and headers of an update check of the seeded script by a client whose copy
        is current: `GET /api/scripts/{id}/raw` with `If-None-Match` holding its latest entity
        tag, answered 304."""
        script_id = self.seed_script()
        row = self.query(
            f"SELECT latest_sha256 || ' ' || slug || ' ' || language FROM scripts"
            f" WHERE id = '{script_id}'"
        )
        sha256, slug, language = row.split(" ")
        # The product's entity tag (application/scripts/served_code.py served_as).
        made_from = f"{self.env['SCRIPTHUB_PUBLIC_URL']}\n{script_id}\n{slug}\n{language}"
        served_as = hashlib.blake2b(made_from.encode(), digest_size=8).hexdigest()
        return f"/api/scripts/{script_id}/raw", {"If-None-Match": f'"{sha256}.{served_as}"'}

    def seed_peer(self) -> None:
        """--peer: its table, as many users as the product's seed, an access token each."""
        seeded = self.python(
            str(PEER / "seed.py"),
            str(self.work),
            f"--users={self.args.users}",
            interpreter=str(PEER_PYTHON),
        )
        log(seeded)

    def start_servers(
        self,
        names: tuple[str, ...],
        env: dict[str, str] | None = None,
        ready: dict[str, tuple[str, dict[str, str]]] | None = None,
    ) -> None:
        """Start these servers and wait until each answers 200 on its readiness route: the
        one `ready` names (path, headers), else its usual one (`ready_route`)."""
        workers = str(self.args.workers)
        serve = [sys.executable, str(BENCH / "serve.py")]
        commands = {
            "product": [sys.executable, "-m", "scripthub.entrypoints.cli", "serve"],
            "alt": [sys.executable, "-m", "scripthub.entrypoints.cli", "serve"],
            "raw": [*serve, "raw_asyncpg_app:app"],
            "hello": [*serve, "hello_app:app"],
            "static": [*serve, "static_app:app"],
            "guard": [*serve, "guard_app:create_guard_app", "--factory"],
            "uncounted": [*serve, "uncounted_app:create_uncounted_app", "--factory"],
            # serve.py run by the peer's own interpreter: the same uvicorn options.
            "peer": [str(PEER_PYTHON), str(BENCH / "serve.py"), "peer_fastapi_users.app:app"],
        }
        for name in names:
            with (self.work / f"{name}.log").open("w") as sink:
                self.servers[name] = subprocess.Popen(
                    [
                        *commands[name],
                        "--host",
                        HOST,
                        "--port",
                        str(PORTS[name]),
                        "--workers",
                        workers,
                    ],
                    env={**self.env, **(env or {}), **self.server_env.get(name, {})},
                    cwd=self.work,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: uvicorn and its workers
                )
        for name in names:
            path, headers = (ready or {}).get(name) or self.ready_route(name)
            self.wait_ready(name, path, headers)
        log(f"servers up: {', '.join(f'{n} :{PORTS[n]}' for n in names)}, {workers} workers each")

    def ready_route(self, name: str) -> tuple[str, dict[str, str]]:
        """A route that answers 200 once the server can serve the bench (path, headers)."""
        if name == "hello":
            return "/hello", {}
        if name == "guard":
            return GUARDED, {"Authorization": f"Bearer {self.access_token('admin')}"}
        if name == "peer":
            return "/users/me", {"Authorization": f"Bearer {self.access_token('peer')}"}
        return "/api/users/me", {"Authorization": f"Bearer {self.access_token()}"}

    def access_token(self, kind: str = "") -> str:
        """The first access token of the seeded accounts, or of the `--admins` ones."""
        name = f"access-{kind}.txt" if kind else "access.txt"
        return (self.work / name).read_text().split("\n", 1)[0]

    def wait_ready(self, name: str, path: str, headers: dict[str, str]) -> None:
        deadline = time.monotonic() + 60
        while True:
            if self.servers[name].poll() is not None:
                output = (self.work / f"{name}.log").read_text()
                msg = f"the {name} server exited:\n{output}"
                raise RuntimeError(msg)
            with suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                if http(name, "GET", path, headers)[0] == 200:
                    return
            if time.monotonic() > deadline:
                msg = f"the {name} server is not ready on :{PORTS[name]}{path}"
                raise RuntimeError(msg)
            time.sleep(0.3)

    def stop_servers(self, names: tuple[str, ...] | None = None) -> None:
        """Stop these servers (and any wrk still running), or all of them."""
        names = tuple(self.servers) if names is None else names
        processes = [*self.wrks, *(self.servers[name] for name in names)]
        for process in processes:
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        for name in names:
            del self.servers[name]
        self.wrks.clear()

    def cleanup(self) -> None:
        self.stop_servers()
        if self.args.keep:
            log(f"kept database {self.database}, Redis prefix {self.prefix}, {self.work}")
            return
        if self.database_created:
            self.psql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self._delete_redis_keys()
        shutil.rmtree(self.work, ignore_errors=True)
        log("removed servers, database, Redis keys and work folder")

    def _delete_redis_keys(self) -> None:
        import redis  # noqa: PLC0415 - only needed at the very end

        client = redis.Redis.from_url(self.args.redis)
        try:
            batch: list[bytes] = []
            for key in client.scan_iter(match=f"{self.prefix}*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    client.delete(*batch)
                    batch.clear()
            if batch:
                client.delete(*batch)
        finally:
            client.close()

    def http(
        self,
        server: str,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes = b"",
        timeout: float = 10,
    ) -> tuple[int, bytes]:
        """`http` as this bench's module sees it: run.py is also imported as `run` by the
        modules it imports, and only the running copy's PORTS follow --port-base."""
        return http(server, method, path, headers, body, timeout)

    # -- measurements --

    def pg_sessions(self) -> int:
        """Connections ever opened to the bench database (PostgreSQL's own counter)."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        sessions = self.psql(
            f"SELECT sessions FROM pg_stat_database WHERE datname = '{self.database}'"
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.helper_cpu += after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return int(sessions or 0)

    @contextmanager
    def measured(self) -> Iterator[dict[str, float]]:
        """CPU seconds per group while the block runs, and "pg_connections" opened."""
        usage: dict[str, float] = {}
        pids = {name: process.pid for name, process in self.servers.items()}
        sessions = self.pg_sessions()
        before = cpu_snapshot(pids, self.database, self.helper_cpu)
        yield usage
        usage.update(cpu_usage(before, cpu_snapshot(pids, self.database, self.helper_cpu)))
        usage["pg_connections"] = self.pg_sessions() - sessions

    def wrk(self, server: str, path: str, script: str, args: list[str], load: Load) -> WrkResult:
        out = self.work / f"wrk-{len(list(self.work.glob('wrk-*')))}.txt"
        with self.measured() as usage:
            process = start_wrk(f"http://{HOST}:{PORTS[server]}{path}", script, args, load, out)
            self.wrks.append(process)
            result = finish_wrk(server, process, out, load.seconds)
        result.cpu = usage
        result.pg_connections = int(usage.pop("pg_connections"))
        return result

    def get(
        self, server: str, path: str, load: Load | None = None, tokens: str = "access.txt"
    ) -> WrkResult:
        load = load or self.load
        args = [str(self.work / tokens), str(load.threads)]
        return self.wrk(server, path, "get.lua", args, load)

    def refresh(self, server: str, token_set: str, load: Load | None = None) -> WrkResult:
        load = load or self.load
        args = [str(self.work / f"refresh-{server}-{token_set}.txt"), str(load.threads)]
        return self.wrk(server, "/api/auth/refresh", "refresh.lua", args, load)

    def login_load(self, seconds: int) -> Load:
        return Load(1, self.args.login_connections, seconds, timeout="30s")

    def login_args(self) -> list[str]:
        return [str(self.work / "users.txt"), PASSWORD, "1"]

    def write(self, server: str, route: str, seconds: int | None = None) -> WrkResult:
        """One wrk run of a write route (WRITE_ROUTES) on `server`; `seconds` overrides the
        route's duration. Waits for the server to finish the requests still in flight when
        wrk stopped (a bcrypt queue takes seconds), then counts the audit rows written."""
        action = next(w.action for w in WRITE_ROUTES if w.route == route)
        before = 0 if action is None else self.audit_rows(action)
        method, path = route.split(" ", 1)
        duration = seconds or self.args.duration
        if method == "PATCH":
            load = Load(self.load.threads, self.load.connections, duration)
            args = [str(self.work / "access.txt"), str(load.threads), secrets.token_hex(3)]
            result = self.wrk(server, path, "patch.lua", args, load)
        elif route == PUBLISH_ROUTE:
            # A script per wrk thread, one connection each: a script's versions are published
            # one at a time, each after the last.
            load = Load(PUBLISH_SCRIPT_COUNT, PUBLISH_SCRIPT_COUNT, duration)
            args = [
                str(self.work / PUBLISH_SCRIPTS),
                str(load.threads),
                str(self.work / PUBLISHER_TOKENS),
                str(self.work / PUBLISH_BODY_FILE),
                PUBLISH_VERSION_MARK,
                str(time.time_ns() // 10**6),  # greater than any version published before
            ]
            result = self.wrk(server, "/", "publish.lua", args, load)
        elif route == RATING_ROUTE:
            load = Load(self.load.threads, self.load.connections, duration)
            rating = path.format(id=self.seed_script())
            args = [str(self.work / "access.txt"), str(load.threads)]
            result = self.wrk(server, rating, "rate.lua", args, load)
        elif path == "/api/auth/login":
            load = self.login_load(seconds or self.args.write_duration)
            result = self.wrk(server, path, "login.lua", self.login_args(), load)
        else:
            load = self.login_load(seconds or self.args.write_duration)
            args = [secrets.token_hex(3), PASSWORD]  # a new nonce: new account names
            result = self.wrk(server, path, "register.lua", args, load)
        self.wait_idle(server)
        if action is not None:
            result.audit_rows = self.audit_rows(action) - before
        return result

    def audit_rows(self, action: str) -> int:
        return int(self.query(f"SELECT count(*) FROM audit_logs WHERE action = '{action}'"))

    def query(self, sql: str) -> str:
        """What psql prints for `sql` run on the bench database (one value: that value)."""
        url = self.env["SCRIPTHUB_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
        return psql(url, sql)

    def wait_idle(self, server: str, limit: float = 20.0) -> None:
        """Until `server` uses under 5 % of a core over half a second (at most `limit` s)."""
        pid = {server: self.servers[server].pid}
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            before = cpu_snapshot(pid, self.database, self.helper_cpu)
            time.sleep(0.5)
            after = cpu_snapshot(pid, self.database, self.helper_cpu)
            if (after.groups[server] - before.groups[server]) / TICKS < 0.025:
                return

    def warm_up(self) -> None:
        log(f"warming up ({self.args.warmup} s per route)")
        warm = Load(self.load.threads, self.load.connections, self.args.warmup)
        running = self.servers
        if "hello" in running:
            self.get("hello", "/hello", warm)
        if "raw" in running:
            self.get("raw", "/api/users/me", warm)
            self.refresh("raw", "warm", warm)
        if "product" in running:
            self.get("product", "/api/users/me", warm)
            self.get("product", PERMISSIONS, warm)
            self.refresh("product", "warm", warm)
        if "alt" in running:
            self.get("alt", "/api/users/me", warm)
            self.refresh("alt", "warm", warm)
            for server in ("product", "alt"):
                self.write(server, "PATCH /api/users/me", self.args.warmup)
        if "guard" in running:
            self.get("guard", UNGUARDED, warm, ADMIN_TOKENS)
            self.get("guard", GUARDED, warm, ADMIN_TOKENS)

    def write_routes(self) -> list[WriteRoute]:
        """The write routes to measure (--write-route, else all)."""
        chosen = self.args.write_route
        return [w for w in WRITE_ROUTES if not chosen or w.name in chosen]

    def warm_up_writes(self) -> None:
        log(f"warming up the write routes ({self.args.warmup} s per route and server)")
        for write in self.write_routes():
            for server in ("raw", "product"):
                self.write(server, write.route, self.args.warmup)

    def writes(self) -> dict[str, list[WrkResult]]:
        """The write routes, product against raw, interleaved rounds with the order
        alternating; PATCH, publishing and rating for --repeat rounds, login and register
        (bcrypt-bound, each run --write-duration seconds) for --write-rounds."""
        runs: dict[str, list[WrkResult]] = {}
        for write in self.write_routes():
            route = write.route
            rounds = self.args.write_rounds if write.bcrypt_bound else self.args.repeat
            for round_number in range(rounds):
                log(f"{route}, round {round_number + 1} of {rounds}")
                pair = ("product", "raw") if round_number % 2 == 0 else ("raw", "product")
                for server in pair:
                    runs.setdefault(f"{server} {route}", []).append(self.write(server, route))
        return runs

    def hot_paths(self) -> dict[str, list[WrkResult]]:
        plan = [
            ("hello GET /hello", lambda: self.get("hello", "/hello")),
            ("raw GET /api/users/me", lambda: self.get("raw", "/api/users/me")),
            ("product GET /api/users/me", lambda: self.get("product", "/api/users/me")),
        ]
        runs: dict[str, list[WrkResult]] = {label: [] for label, _ in plan}
        for round_number in range(self.args.repeat):
            log(f"GET routes, round {round_number + 1} of {self.args.repeat}")
            for label, run in plan:
                runs[label].append(run())
        log("refresh, chained tokens")
        # Each refresh token works once, so each set of seeded tokens is used by one run.
        runs["raw POST /api/auth/refresh"] = [self.refresh("raw", "run")]
        runs["product POST /api/auth/refresh"] = [self.refresh("product", "run")]
        return runs

    def peer_part(self) -> dict[str, list[WrkResult]]:
        """--peer, in a part of its own: the product's, the raw app's and the peer's pools
        together would pass PostgreSQL's max_connections (each keeps ~30 connections after a
        -c32 run here), so the raw app and hello stop and the product stays up."""
        self.stop_servers(tuple(name for name in ("raw", "hello") if name in self.servers))
        self.start_servers(("peer",))
        log(f"warming up ({self.args.warmup} s; the product is warm already)")
        warm = Load(self.load.threads, self.load.connections, self.args.warmup)
        self.get("peer", "/users/me", warm, PEER_TOKENS)
        return self.peer_rounds()

    def write_part(self) -> dict[str, list[WrkResult]]:
        """Product and raw again, both with the mail dispatcher out of process: every
        registration queues a verification mail, which an in-process dispatcher would deliver
        during the runs (the raw app's rows too, from the product's processes)."""
        self.stop_servers()
        if any(w.route == PUBLISH_ROUTE for w in self.write_routes()):
            self.seed_publisher(PUBLISH_SCRIPT_COUNT)
        self.start_servers(("product", "raw"), env=WITHOUT_BACKGROUND_WORK)
        self.warm_up_writes()
        return self.writes()

    def guard_part(self) -> dict[str, list[WrkResult]]:
        """Alone: each server's pools keep the connections of its busiest moment, and the
        product's, the raw app's and this one's together would pass PostgreSQL's
        max_connections (100)."""
        self.stop_servers()
        self.start_servers(("guard",))
        self.warm_up()
        return self.guard_pair()

    def peer_rounds(self) -> dict[str, list[WrkResult]]:
        """--peer: the product's GET /api/users/me and fastapi-users' GET /users/me,
        interleaved rounds with the order alternating (the raw app is stopped by then)."""
        pair = [
            (PEER_PRODUCT_LABEL, lambda: self.get("product", "/api/users/me")),
            (PEER_LABEL, lambda: self.get("peer", "/users/me", tokens=PEER_TOKENS)),
        ]
        runs: dict[str, list[WrkResult]] = {label: [] for label, _ in pair}
        for round_number in range(self.args.repeat):
            log(f"product / fastapi-users GET /users/me, round {round_number + 1}")
            for label, run in pair if round_number % 2 == 0 else pair[::-1]:
                runs[label].append(run())
        return runs

    def guard_pair(self) -> dict[str, list[WrkResult]]:
        """Target (d): the same route with and without the permission guard, same run.

        Many short interleaved rounds, the order alternating between rounds, so that bursts
        of background load weigh on both sides alike.
        """
        pair = [(UNGUARDED_LABEL, UNGUARDED), (GUARDED_LABEL, GUARDED)]
        runs: dict[str, list[WrkResult]] = {label: [] for label, _ in pair}
        rounds = self.args.guard_rounds
        load = Load(self.load.threads, self.load.connections, self.args.guard_duration)
        log(f"guarded / unguarded route, {rounds} rounds of {load.seconds} s each")
        for round_number in range(rounds):
            for label, path in pair if round_number % 2 == 0 else pair[::-1]:
                runs[label].append(self.get("guard", path, load, ADMIN_TOKENS))
        return runs

    def ab_rounds(self) -> dict[str, list[WrkResult]]:
        """--ab: the product and its changed copy, interleaved rounds (order alternating),
        then refresh on each."""
        runs: dict[str, list[WrkResult]] = {AB_PRODUCT: [], AB_ALT: []}
        pair = [(AB_PRODUCT, "product"), (AB_ALT, "alt")]
        rounds = 2 * self.args.repeat
        for round_number in range(rounds):
            log(f"product / --ab copy, round {round_number + 1} of {rounds}")
            for label, server in pair if round_number % 2 == 0 else pair[::-1]:
                runs[label].append(self.get(server, "/api/users/me"))
        log("refresh, chained tokens")
        runs["product POST /api/auth/refresh"] = [self.refresh("product", "run")]
        runs["--ab POST /api/auth/refresh"] = [self.refresh("alt", "run")]
        patch_pair = [(AB_PRODUCT_PATCH, "product"), (AB_ALT_PATCH, "alt")]
        runs.update({AB_PRODUCT_PATCH: [], AB_ALT_PATCH: []})
        for round_number in range(self.args.repeat):
            log(f"PATCH /api/users/me, product / --ab copy, round {round_number + 1}")
            for label, server in patch_pair if round_number % 2 == 0 else patch_pair[::-1]:
                runs[label].append(self.write(server, "PATCH /api/users/me"))
        return runs

    def bcrypt_ceiling(self) -> BcryptCeiling:
        cores = os.cpu_count() or 1
        log(f"bcrypt ceiling: {cores} processes for {self.args.bcrypt_seconds} s")
        return bcrypt_ceiling(self.args.bcrypt_rounds, cores, self.args.bcrypt_seconds)

    def logins(self) -> WrkResult:
        log(f"login flood alone ({self.args.login_duration} s)")
        load = self.login_load(self.args.login_duration)
        return self.wrk("product", "/api/auth/login", "login.lua", self.login_args(), load)

    def flood(self) -> tuple[WrkResult, WrkResult, WrkResult]:
        log(f"GET {PERMISSIONS} idle, then under a login flood")
        idle = self.get("product", PERMISSIONS)
        lead = 3  # the bcrypt pools fill up before the GET load starts, and stay busy after
        login_load = self.login_load(self.load.seconds + 2 * lead)
        login_out = self.work / "wrk-login-flood.txt"
        with self.measured() as usage:
            url = f"http://{HOST}:{PORTS['product']}/api/auth/login"
            login = start_wrk(url, "login.lua", self.login_args(), login_load, login_out)
            self.wrks.append(login)
            time.sleep(lead)
            busy = self.get("product", PERMISSIONS)
            flood_logins = finish_wrk("product", login, login_out, login_load.seconds)
        flood_logins.cpu = usage
        flood_logins.pg_connections = int(usage.pop("pg_connections"))
        return idle, busy, flood_logins

    def mixed_flood(self) -> Mixed:
        """--mixed: a GET flood on a cheap authenticated route and a login flood at the same
        time, each against its own idle run of the same length and load, in this run."""
        seconds = self.args.mixed_duration
        get_load = Load(self.load.threads, self.load.connections, seconds)
        login_load = self.login_load(seconds)
        log(f"mixed flood: GET {PERMISSIONS} alone, logins alone, then both ({seconds} s each)")
        self.wait_idle("product")
        get_idle = self.get("product", PERMISSIONS, get_load)
        self.wait_idle("product")
        login_idle = self.wrk(
            "product", "/api/auth/login", "login.lua", self.login_args(), login_load
        )
        self.wait_idle("product")
        get_out, login_out = self.work / "wrk-mixed-get.txt", self.work / "wrk-mixed-login.txt"
        base = f"http://{HOST}:{PORTS['product']}"
        with self.measured() as usage:
            login = start_wrk(
                f"{base}/api/auth/login", "login.lua", self.login_args(), login_load, login_out
            )
            get = start_wrk(
                f"{base}{PERMISSIONS}",
                "get.lua",
                [str(self.work / "access.txt"), str(get_load.threads)],
                get_load,
                get_out,
            )
            self.wrks += [login, get]
            get_busy = finish_wrk("product", get, get_out, seconds)
            login_busy = finish_wrk("product", login, login_out, seconds)
        get_busy.cpu = login_busy.cpu = usage
        get_busy.pg_connections = login_busy.pg_connections = int(usage.pop("pg_connections"))
        self.wait_idle("product")
        return Mixed(get_idle, login_idle, get_busy, login_busy)


@dataclass
class Mixed:
    get_idle: WrkResult
    login_idle: WrkResult
    get_busy: WrkResult
    login_busy: WrkResult


AB_PRODUCT = "product GET /api/users/me"
AB_ALT = "--ab GET /api/users/me"
AB_PRODUCT_PATCH = "product PATCH /api/users/me"
AB_ALT_PATCH = "--ab PATCH /api/users/me"
UNGUARDED_LABEL = f"guard GET {UNGUARDED}"
PEER_LABEL = "fastapi-users GET /users/me"
PEER_PRODUCT_LABEL = "product GET /api/users/me, peer part"
GUARDED_LABEL = f"guard GET {GUARDED}"


PSQL_CONNECT_ATTEMPTS = 120  # half a second apart
PSQL_NO_CONNECTION = 2  # psql's exit status when it could not connect


def psql(url: str, sql: str) -> str:
    """What psql prints for `sql` run at `url`. PostgreSQL's 100 connections are shared with
    whatever else runs on the machine: a refused connection is tried again for a minute."""
    for _ in range(PSQL_CONNECT_ATTEMPTS):
        done = subprocess.run(
            ["psql", url, "-qAtc", sql], capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != PSQL_NO_CONNECTION:
            break
        time.sleep(0.5)
    if done.returncode != 0:
        msg = f"psql {url} -c {sql!r} failed: {done.stderr.strip()}"
        raise RuntimeError(msg)
    return done.stdout.strip()


def http(
    server: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    timeout: float = 10,
) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://{HOST}:{PORTS[server]}{path}", data=body or None, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- bcrypt ceiling ---------------------------------------------------------------------------


def _bcrypt_worker(rounds: int, seconds: float) -> tuple[int, float, float]:
    import bcrypt  # noqa: PLC0415 - imported in the worker process

    password = b"x" * 44  # what the product hands bcrypt: the base64 of a SHA-256 digest
    hashed = bcrypt.hashpw(password, bcrypt.gensalt(rounds=rounds))
    count, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - started) < seconds:
        bcrypt.checkpw(password, hashed)
        count += 1
    return count, elapsed, time.process_time() - cpu_started


@dataclass
class BcryptCeiling:
    per_second: float  # checks per second, all processes together
    cpu_ms: float  # CPU milliseconds one check costs


def bcrypt_ceiling(rounds: int, processes: int, seconds: float) -> BcryptCeiling:
    """bcrypt checks per second with `processes` processes checking in parallel."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.starmap(_bcrypt_worker, [(rounds, seconds)] * processes)
    return BcryptCeiling(
        per_second=sum(count / elapsed for count, elapsed, _ in results),
        cpu_ms=1000 * sum(cpu for _, _, cpu in results) / sum(c for c, _, _ in results),
    )


# --- report -----------------------------------------------------------------------------------


def median(results: list[WrkResult]) -> WrkResult:
    return sorted(results, key=lambda r: r.ok_rps)[len(results) // 2]


def table(rows: list[tuple[str, WrkResult]]) -> str:
    head = (
        f"{'scenario':<42} {'ok req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
        f" {'app':>6} {'pg':>5} {'redis':>5} {'wrk':>5} {'stack':>6} {'other%':>6}"
        f" {'pg conn':>7}"
    )
    lines = [head, "-" * len(head)]
    for label, r in rows:
        other = 100 * r.cpu.get("other", 0.0) / max(r.cpu.get("wall", 1.0), 1e-9)
        lines.append(
            f"{label:<42} {r.ok_rps:>9.1f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f}"
            f" {r.non_2xx + r.unexpected + r.socket_errors:>6} {r.cpu_ms(r.server):>6.2f}"
            f" {r.cpu_ms('postgres'):>5.2f} {r.cpu_ms('redis'):>5.2f} {r.cpu_ms('wrk'):>5.2f}"
            f" {r.stack_ms:>6.2f} {other:>6.0f} {r.pg_connections:>7}"
        )
    return "\n".join(lines)


def verdict(passed: bool) -> str:  # noqa: FBT001
    return "PASS" if passed else "FAIL"


def report(
    args: argparse.Namespace,
    runs: dict[str, list[WrkResult]],
    ceiling: BcryptCeiling | None,
    login: WrkResult | None,
    flood: tuple[WrkResult, WrkResult, WrkResult] | None,
    guard: dict[str, list[WrkResult]] | None = None,
    writes: dict[str, list[WrkResult]] | None = None,
    mixed: Mixed | None = None,
) -> dict[str, object]:
    rows = [
        (f"{label}{f' #{i + 1}' if len(results) > 1 else ''}", result)
        for label, results in {**runs, **(writes or {}), **(guard or {})}.items()
        for i, result in enumerate(results)
    ]
    if login:
        rows.append((f"product POST /api/auth/login (-c{args.login_connections})", login))
    if flood:
        idle, busy, flood_logins = flood
        rows += [
            ("product GET .../me/permissions idle", idle),
            ("product GET .../me/permissions + logins", busy),
            ("product POST /api/auth/login, that flood", flood_logins),
        ]
    if mixed:
        rows += [
            ("mixed: GET .../me/permissions idle", mixed.get_idle),
            ("mixed: POST /api/auth/login idle", mixed.login_idle),
            ("mixed: GET .../me/permissions + logins", mixed.get_busy),
            ("mixed: POST /api/auth/login + GETs", mixed.login_busy),
        ]
    print()
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s (GET, refresh);"
        f" logins, registrations: wrk -t1 -c{args.login_connections} --timeout 30s;"
        f" {args.workers} workers per server; {os.cpu_count()} CPUs"
    )
    print("app, pg (backends of the bench database), redis, wrk: CPU ms per successful request;")
    print("stack: their sum; other%: CPU of everything else on the machine, in % of one core;")
    print("pg conn: connections opened to PostgreSQL during the run (pool churn)")
    print(table(rows))
    print()
    summary: dict[str, object] = {}
    if AB_ALT in runs:
        summary.update(report_ab(args, runs))
    elif "hello GET /hello" in runs:
        summary.update(report_hot_paths(runs))
    if PEER_LABEL in runs:
        summary.update(report_peer(runs))
    if login and ceiling:
        summary.update(report_login(args, ceiling, login))
    if flood:
        summary.update(report_flood(*flood))
    if mixed:
        summary.update(report_mixed(args, mixed))
    if writes:
        summary.update(report_writes(args, writes))
    if guard:
        summary.update(report_guard(guard))
    summary["rows"] = [{"scenario": label, **vars(result)} for label, result in rows]
    return summary


def report_hot_paths(runs: dict[str, list[WrkResult]]) -> dict[str, float]:
    hello = median(runs["hello GET /hello"])
    raw_me = median(runs["raw GET /api/users/me"])
    me = median(runs["product GET /api/users/me"])
    raw_refresh = runs["raw POST /api/auth/refresh"][0]
    refresh = runs["product POST /api/auth/refresh"][0]
    me_ratio = me.ok_rps / raw_me.ok_rps
    print("medians of the GET rounds; 'by CPU' = inverse ratio of stack CPU per request,")
    print("which background load on the machine disturbs far less than throughput")
    print(f"     raw /users/me     / hello        = {raw_me.ok_rps / hello.ok_rps:.3f}")
    print(f"     /users/me         / hello        = {me.ok_rps / hello.ok_rps:.3f}")
    print(
        f"     /auth/refresh     / raw refresh  = {refresh.ok_rps / raw_refresh.ok_rps:.3f}"
        f"  (by CPU {raw_refresh.stack_ms / refresh.stack_ms:.3f})"
    )
    print(
        f"(a)  /users/me         / raw /users/me = {me_ratio:.3f}"
        f"  (by CPU {raw_me.stack_ms / me.stack_ms:.3f})"
        f"  target >= {TARGET_ME_VS_RAW}  {verdict(me_ratio >= TARGET_ME_VS_RAW)}"
    )
    return {
        "hello_rps": hello.ok_rps,
        "raw_me_rps": raw_me.ok_rps,
        "me_rps": me.ok_rps,
        "raw_refresh_rps": raw_refresh.ok_rps,
        "refresh_rps": refresh.ok_rps,
        "a_me_vs_raw": me_ratio,
        "a_me_vs_raw_by_cpu": raw_me.stack_ms / me.stack_ms,
    }


def report_peer(runs: dict[str, list[WrkResult]]) -> dict[str, object]:
    product_runs, peer_runs = runs[PEER_PRODUCT_LABEL], runs[PEER_LABEL]
    me, peer = median(product_runs), median(peer_runs)
    ratio = me.ok_rps / peer.ok_rps
    by_cpu = pooled_stack_ms(peer_runs) / pooled_stack_ms(product_runs)
    paired = [m.ok_rps / p.ok_rps for m, p in zip(product_runs, peer_runs, strict=True)]
    print(
        "     fastapi-users peer: its own part (raw and hello stopped, the product still up),"
        " interleaved rounds, medians; by CPU: stack CPU per request over all rounds"
    )
    print(
        f"(h)  /users/me {me.ok_rps:.1f}/s / fastapi-users /users/me {peer.ok_rps:.1f}/s"
        f" = {ratio:.3f}  (by CPU {by_cpu:.3f}; rounds {', '.join(f'{r:.3f}' for r in paired)})"
        f"  target >= {TARGET_ME_VS_PEER}  {verdict(ratio >= TARGET_ME_VS_PEER)}"
    )
    return {
        "peer_me_rps": peer.ok_rps,
        "me_rps_beside_peer": me.ok_rps,
        "h_me_vs_peer": ratio,
        "h_me_vs_peer_by_cpu": by_cpu,
        "h_rounds": paired,
    }


def report_login(
    args: argparse.Namespace, ceiling: BcryptCeiling, login: WrkResult
) -> dict[str, float]:
    cores = os.cpu_count() or 1
    ratio = login.ok_rps / ceiling.per_second
    # The share of a login's CPU (app, database, Redis, wrk) that is the bcrypt check itself:
    # the ratio an otherwise idle machine would give.
    by_cpu = ceiling.cpu_ms / login.stack_ms
    print(
        f"     bcrypt ceiling: {ceiling.per_second:.2f} checks/s with {cores} processes"
        f" ({args.bcrypt_rounds} rounds, {ceiling.cpu_ms:.0f} ms CPU per check;"
        f" mean of before and after the login run)"
    )
    print(
        f"(b)  login {login.ok_rps:.2f}/s      / bcrypt ceiling = {ratio:.3f}"
        f"  (by CPU {by_cpu:.3f})  target >= {TARGET_LOGIN_VS_BCRYPT}"
        f"  {verdict(ratio >= TARGET_LOGIN_VS_BCRYPT)}"
    )
    return {
        "bcrypt_ceiling_per_s": ceiling.per_second,
        "bcrypt_cpu_ms": ceiling.cpu_ms,
        "login_rps": login.ok_rps,
        "b_login_vs_bcrypt": ratio,
        "b_login_vs_bcrypt_by_cpu": by_cpu,
    }


def report_flood(idle: WrkResult, busy: WrkResult, logins: WrkResult) -> dict[str, float]:
    kept = busy.ok_rps / idle.ok_rps
    p99 = busy.p99_ms / idle.p99_ms
    passed = kept >= TARGET_FLOOD_THROUGHPUT and p99 <= TARGET_FLOOD_P99
    print(
        f"(c)  GET {PERMISSIONS} during the login flood ({logins.ok_rps:.2f} logins/s):"
        f" {kept:.3f} of its idle throughput (target >= {TARGET_FLOOD_THROUGHPUT}),"
        f" p99 {busy.p99_ms:.1f} ms = {p99:.2f}x idle {idle.p99_ms:.1f} ms"
        f" (target <= {TARGET_FLOOD_P99}x)  {verdict(passed)}"
    )
    return {"c_throughput_kept": kept, "c_p99_ratio": p99, "flood_login_rps": logins.ok_rps}


def report_mixed(args: argparse.Namespace, mixed: Mixed) -> dict[str, float]:
    get_kept = mixed.get_busy.ok_rps / mixed.get_idle.ok_rps
    login_kept = mixed.login_busy.ok_rps / mixed.login_idle.ok_rps
    passed = get_kept >= TARGET_MIXED_KEPT and login_kept >= TARGET_MIXED_KEPT

    def cores(run: WrkResult) -> float:
        return run.cpu.get("product", 0.0) / max(run.cpu.get("wall", 0.0), 1e-9)

    # By CPU: as if the product had had the cores of each idle run during the mixed one too,
    # which other work on a shared machine decides (each side's share of what the product got).
    busy_cores = max(cores(mixed.get_busy), 1e-9)
    get_by_cpu = get_kept * cores(mixed.get_idle) / busy_cores
    login_by_cpu = login_kept * cores(mixed.login_idle) / busy_cores
    niceness = "as built" if args.bcrypt_niceness is None else str(args.bcrypt_niceness)
    print(
        f"(m)  mixed flood (bcrypt threads at nice {niceness}): GET {PERMISSIONS}"
        f" {mixed.get_busy.ok_rps:.0f}/s = {get_kept:.3f} of idle {mixed.get_idle.ok_rps:.0f}/s"
        f" (p99 {mixed.get_busy.p99_ms:.1f} ms, idle {mixed.get_idle.p99_ms:.1f} ms);"
        f" logins {mixed.login_busy.ok_rps:.2f}/s = {login_kept:.3f} of idle"
        f" {mixed.login_idle.ok_rps:.2f}/s (p99 {mixed.login_busy.p99_ms / 1000:.2f} s,"
        f" idle {mixed.login_idle.p99_ms / 1000:.2f} s); target both >= {TARGET_MIXED_KEPT}"
        f"  {verdict(passed)}; by CPU {get_by_cpu:.3f} and {login_by_cpu:.3f}"
    )
    return {
        "m_get_kept": get_kept,
        "m_login_kept": login_kept,
        "m_get_kept_by_cpu": get_by_cpu,
        "m_login_kept_by_cpu": login_by_cpu,
        "m_get_p99_ratio": mixed.get_busy.p99_ms / mixed.get_idle.p99_ms,
        "m_login_p99_s": mixed.login_busy.p99_ms / 1000,
    }


def report_ab(args: argparse.Namespace, runs: dict[str, list[WrkResult]]) -> dict[str, float]:
    product, alt = runs[AB_PRODUCT], runs[AB_ALT]
    ratio = median(alt).ok_rps / median(product).ok_rps
    by_cpu = pooled_stack_ms(product) / pooled_stack_ms(alt)
    paired = [a.ok_rps / p.ok_rps for a, p in zip(alt, product, strict=True)]
    refresh, alt_refresh = (
        runs["product POST /api/auth/refresh"][0],
        runs["--ab POST /api/auth/refresh"][0],
    )
    print(f"--ab {args.ab}: the changed copy against the product, same run")
    print(
        f"     /users/me: copy / product = {ratio:.3f} (by CPU {by_cpu:.3f};"
        f" rounds {', '.join(f'{r:.3f}' for r in paired)});"
        f" app CPU {pooled_ms(product, 'product'):.3f} -> {pooled_ms(alt, 'alt'):.3f} ms/request"
    )
    print(
        f"     refresh:   copy / product = {alt_refresh.ok_rps / refresh.ok_rps:.3f}"
        f" (by CPU {refresh.stack_ms / alt_refresh.stack_ms:.3f});"
        f" app CPU {refresh.cpu_ms('product'):.3f} -> {alt_refresh.cpu_ms('alt'):.3f} ms/request"
    )
    patch, alt_patch = runs[AB_PRODUCT_PATCH], runs[AB_ALT_PATCH]
    patch_ratio = pooled_rps(alt_patch) / pooled_rps(patch)
    patch_by_cpu = pooled_stack_ms(patch) / pooled_stack_ms(alt_patch)
    patch_paired = [a.ok_rps / p.ok_rps for a, p in zip(alt_patch, patch, strict=True)]
    print(
        f"     PATCH /me: copy / product = {patch_ratio:.3f} (by CPU {patch_by_cpu:.3f};"
        f" rounds {', '.join(f'{r:.3f}' for r in patch_paired)}; pooled);"
        f" app CPU {pooled_ms(patch, 'product'):.3f} -> {pooled_ms(alt_patch, 'alt'):.3f}"
        " ms/request"
    )
    return {
        "ab_me_ratio": ratio,
        "ab_me_ratio_by_cpu": by_cpu,
        "ab_refresh_ratio": alt_refresh.ok_rps / refresh.ok_rps,
        "ab_refresh_ratio_by_cpu": refresh.stack_ms / alt_refresh.stack_ms,
        "ab_patch_ratio": patch_ratio,
        "ab_patch_ratio_by_cpu": patch_by_cpu,
    }


def report_writes(
    args: argparse.Namespace, writes: dict[str, list[WrkResult]]
) -> dict[str, object]:
    print(
        "     write routes, product / raw (same I/O, checked): 2xx answers per second over all"
        " rounds; by CPU: stack CPU per request over all rounds;"
    )
    print(
        f"     bcrypt at SCRIPTHUB_BCRYPT_ROUNDS={args.bcrypt_rounds} on both sides (login checks"
        " the seeded hash of that cost, register hashes at it); writes: audit rows the runs"
        " added >= their 2xx answers (requests in flight when wrk stopped add more; ratings"
        " are not audited); app: the server's own CPU ms per request, product -> raw"
    )
    summary: dict[str, object] = {}
    for write in WRITE_ROUTES:
        letter, route = write.label, write.route
        if f"product {route}" not in writes:
            continue
        product_runs, raw_runs = writes[f"product {route}"], writes[f"raw {route}"]
        # Pooled, not the median: bcrypt-bound runs answer a few dozen requests each, and the
        # median of an even number of rounds would be the better one.
        product, raw = pooled_rps(product_runs), pooled_rps(raw_runs)
        ratio = product / raw
        by_cpu = pooled_stack_ms(raw_runs) / pooled_stack_ms(product_runs)
        paired = [p.ok_rps / r.ok_rps for p, r in zip(product_runs, raw_runs, strict=True)]
        wrote = all(r.audit_rows >= r.ok for r in product_runs + raw_runs)
        written = sum(r.audit_rows for r in product_runs + raw_runs)
        answered = sum(r.ok for r in product_runs + raw_runs)
        app = (pooled_ms(product_runs, "product"), pooled_ms(raw_runs, "raw"))
        proof = (
            f"writes {written} >= {answered} {'OK' if wrote else 'MISSING'}"
            if write.action
            else f"{answered} answered, not audited"
        )
        print(
            f"{letter:<4} {route:<24} {product:8.2f}/s / raw {raw:8.2f}/s"
            f" = {ratio:.3f}  (by CPU {by_cpu:.3f}; rounds"
            f" {', '.join(f'{r:.3f}' for r in paired)}; app {app[0]:.3f} -> {app[1]:.3f} ms);"
            f" {proof}"
        )
        summary[f"{letter.strip('()')} {route}"] = {
            "product_rps": product,
            "raw_rps": raw,
            "ratio": ratio,
            "by_cpu": by_cpu,
            "rounds": paired,
            "app_cpu_ms": {"product": app[0], "raw": app[1]},
            "audit_rows": written,
            "answers": answered,
        }
    return summary


def pooled_rps(results: list[WrkResult]) -> float:
    """Successful requests per second over all the runs together."""
    return sum(r.ok for r in results) / sum(r.seconds for r in results)


def pooled_ms(results: list[WrkResult], group: str) -> float:
    """CPU ms per request of `group` over all the runs together."""
    return sum(r.cpu_ms(group) * r.ok for r in results) / max(sum(r.ok for r in results), 1)


def pooled_stack_ms(results: list[WrkResult]) -> float:
    """Stack CPU per request over all the runs together."""
    return sum(r.stack_ms * r.ok for r in results) / max(sum(r.ok for r in results), 1)


def report_guard(guard: dict[str, list[WrkResult]]) -> dict[str, float]:
    unguarded_runs, guarded_runs = guard[UNGUARDED_LABEL], guard[GUARDED_LABEL]
    unguarded, guarded = median(unguarded_runs), median(guarded_runs)
    ratio = guarded.ok_rps / unguarded.ok_rps
    by_cpu = pooled_stack_ms(unguarded_runs) / pooled_stack_ms(guarded_runs)
    p99 = {
        side: sorted(r.p99_ms for r in runs)[len(runs) // 2]
        for side, runs in (("unguarded", unguarded_runs), ("guarded", guarded_runs))
    }
    # Rounds are paired: each guarded run against the unguarded run next to it.
    paired = [g.ok_rps / u.ok_rps for g, u in zip(guarded_runs, unguarded_runs, strict=True)]
    print("     guard pair: medians of the rounds (p99: median of the rounds' p99);")
    print("     by CPU: stack CPU per request over all rounds")
    print(
        f"(d)  guarded {guarded.ok_rps:.1f}/s, p99 {p99['guarded']:.1f} ms / unguarded"
        f" {unguarded.ok_rps:.1f}/s, p99 {p99['unguarded']:.1f} ms = {ratio:.3f}"
        f"  (by CPU {by_cpu:.3f}; rounds {', '.join(f'{r:.3f}' for r in paired)})"
        f"  target >= {TARGET_GUARD_VS_UNGUARDED}  {verdict(ratio >= TARGET_GUARD_VS_UNGUARDED)}"
    )
    return {
        "unguarded_rps": unguarded.ok_rps,
        "guarded_rps": guarded.ok_rps,
        "unguarded_p99_ms": p99["unguarded"],
        "guarded_p99_ms": p99["guarded"],
        "d_guarded_vs_unguarded": ratio,
        "d_guarded_vs_unguarded_by_cpu": by_cpu,
        "d_rounds": paired,  # type: ignore[dict-item]
    }


def add_bench_options(parser: argparse.ArgumentParser) -> None:
    """The options `Bench` reads, shared by the benches built on it (script_code.py)."""
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per route")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per server")
    parser.add_argument("--bcrypt-rounds", type=int, default=12)
    parser.add_argument("--log-level", default="INFO", help="SCRIPTHUB_LOG_LEVEL of all servers")
    parser.add_argument(
        "--env",
        choices=("development", "production"),
        default="development",
        help="SCRIPTHUB_ENV of the product's servers: production writes JSON log lines "
        "(development, readable ones), adds HSTS and asks for the settings set here",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--src", type=Path, help="run the product from this src/ folder")
    source.add_argument("--commit", help="run the product as committed at this revision")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--pg-log",
        type=Path,
        default=Path("/var/log/postgresql/postgresql-15-main.log"),
        help="PostgreSQL's server log, where the I/O check reads the statements",
    )
    parser.add_argument("--keep", action="store_true", help="keep database, keys and logs")
    parser.add_argument(
        "--pool-size",
        type=int,
        help="PostgreSQL connections per server process, no overflow, on every server"
        " (default: the product's settings, 20 + 10 overflow)",
    )
    parser.add_argument(
        "--check-warm-up",
        type=int,
        default=WARM_UP_REQUESTS,
        metavar="N",
        help="the I/O check's requests per route and server before it records (with one"
        " worker per server, 4 are enough)",
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=PORT_BASE,
        help=f"the servers listen on this port plus {min(PORT_OFFSETS.values())}"
        f" to {max(PORT_OFFSETS.values())} (see PORT_OFFSETS)",
    )
    parser.set_defaults(ab=None, bcrypt_niceness=None)  # run.py's own options, read by Bench


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_bench_options(parser)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the GET comparison")
    parser.add_argument("--login-duration", type=int, default=20)
    parser.add_argument("--login-connections", type=int, default=16)
    parser.add_argument("--bcrypt-seconds", type=float, default=5.0)
    parser.add_argument("--users", type=int, help="seeded accounts (64; 4 with --check-io-only)")
    parser.add_argument(
        "--admins", type=int, help="accounts for the guard pair (16; 2 with --check-io-only)"
    )
    parser.add_argument("--skip-login", action="store_true", help="only the GET/refresh runs")
    parser.add_argument("--skip-hot", action="store_true", help="only the login runs")
    parser.add_argument("--skip-guard", action="store_true", help="no guarded/unguarded pair")
    parser.add_argument("--only-guard", action="store_true", help="only the guarded pair")
    parser.add_argument("--guard-rounds", type=int, default=6, help="rounds of the guard pair")
    parser.add_argument("--guard-duration", type=int, default=5, help="seconds per guard run")
    parser.add_argument(
        "--skip-writes",
        action="store_true",
        help="no write pairs against raw (PATCH /me, login, register, publish, rating)",
    )
    parser.add_argument("--only-writes", action="store_true", help="only those pairs")
    parser.add_argument(
        "--write-route",
        action="append",
        choices=[w.name for w in WRITE_ROUTES],
        help="measure only this write route against raw (repeatable; default: all)",
    )
    parser.add_argument(
        "--write-rounds", type=int, default=3, help="rounds of the login and register pairs"
    )
    parser.add_argument(
        "--write-duration", type=int, default=10, help="seconds per login or register run"
    )
    parser.add_argument(
        "--peer",
        action="store_true",
        help="add fastapi-users (bench/peer_fastapi_users, after its setup.sh) to the GET"
        " /users/me rounds",
    )
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="after the login flood: a GET flood and a login flood at the same time, each"
        " against its own idle run (target (m))",
    )
    parser.add_argument("--mixed-duration", type=int, default=15, help="seconds per mixed run")
    parser.add_argument(
        "--bcrypt-niceness",
        type=int,
        metavar="N",
        help="run the product from a copy of its src/ with BCRYPT_THREAD_NICENESS = N (trees"
        " before the bcrypt host slots of 2026-12-07, which run bcrypt at the loops' priority)",
    )
    parser.add_argument(
        "--check-io-only",
        "--check-io",
        dest="check_io",
        action="store_true",
        help="only compare the I/O of every pair once (iocheck.py): exit 1 if any differs",
    )
    parser.add_argument("--skip-check-io", action="store_true", help="no I/O comparison first")
    parser.add_argument(
        "--ab",
        type=Path,
        metavar="DIR",
        help="instead of the usual runs: the product against a changed copy of src/ (DIR),"
        " interleaved GET /api/users/me rounds and refresh, in the same run (experiments.py)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    small = args.check_io  # the I/O check alone: a few accounts are enough
    args.users = (4 if small else 64) if args.users is None else args.users
    args.admins = (2 if small else 16) if args.admins is None else args.admins
    if args.peer and not PEER_PYTHON.is_file():
        parser.error(f"--peer needs {PEER_PYTHON}: run bench/peer_fastapi_users/setup.sh first")
    return args


def plan(args: argparse.Namespace) -> tuple[tuple[str, ...], bool, bool, tuple[str, ...]]:
    """What to run: the servers of the first part (GET rounds, refresh, logins), whether the
    guard pair and the write pairs run, and the servers the I/O check compares."""
    if args.only_guard:
        args.skip_hot, args.skip_login, args.skip_writes = True, True, True
    if args.only_writes:
        args.skip_hot, args.skip_login, args.skip_guard = True, True, True
    peer = ("peer",) if args.peer and not args.skip_hot and not args.ab else ()
    main_servers: tuple[str, ...] = ("product", "raw", "hello")
    if args.skip_hot and args.skip_login:
        main_servers = ()
    if args.ab:
        # Two products and nothing else: their pools together stay under max_connections.
        args.skip_login, args.skip_guard, args.skip_writes = True, True, True
        main_servers = ("product", "alt")
    guarded, writes_wanted = not args.skip_guard, not args.skip_writes
    pair = main_servers[:2] or (("product", "raw") if writes_wanted else ())
    checked = (*pair, *(("guard",) if guarded else ()), *peer)
    return main_servers, guarded, writes_wanted, checked


def exit_on_signals() -> None:
    """SIGTERM and SIGHUP end the bench like Ctrl-C does: through its cleanup."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def run_in_venv() -> None:
    """Started by a Python without the project's packages (`python3 bench/run.py`), run again
    by the checkout's .venv (`python3 dev.py` makes it), as bench/run.sh does."""
    python = REPO / ".venv" / "bin" / "python"
    missing = any(importlib.util.find_spec(name) is None for name in ("scripthub", "redis"))
    if missing and python.is_file():
        os.execv(python, [str(python), __file__, *sys.argv[1:]])


def main() -> int:
    run_in_venv()
    args = parse_args()
    exit_on_signals()
    started = time.monotonic()
    bench = Bench(args)
    try:
        main_servers, guarded, writes_wanted, checked = plan(args)
        bench.create_database(load=not args.check_io)
        if "peer" in checked:
            bench.seed_peer()
        io_differs = check_io(bench, checked) if args.check_io or not args.skip_check_io else 0
        if args.check_io:
            return io_differs
        # The servers of the check log every statement: the benchmark gets fresh ones.
        bench.stop_servers()
        tokens = 4 * args.connections
        sets = ("product", "alt") if args.ab else ("product", "raw")
        bench.seed({f"{s}-{use}": tokens for s in sets for use in ("warm", "run")})
        runs: dict[str, list[WrkResult]] = {}
        ceiling, login, flood, mixed = None, None, None, None
        if main_servers:
            bench.start_servers(main_servers)
            bench.warm_up()
            if args.ab:
                runs = bench.ab_rounds()
            elif not args.skip_hot:
                runs = bench.hot_paths()
        if main_servers and not args.skip_login:
            # Measured right before and after the login flood, so that whatever else the
            # machine is doing at the time weighs on both sides of ratio (b) alike.
            before = bench.bcrypt_ceiling()
            login = bench.logins()
            after = bench.bcrypt_ceiling()
            ceiling = BcryptCeiling(
                (before.per_second + after.per_second) / 2, (before.cpu_ms + after.cpu_ms) / 2
            )
            flood = bench.flood()
            if args.mixed:
                mixed = bench.mixed_flood()
        if "peer" in checked:
            runs.update(bench.peer_part())
        writes = bench.write_part() if writes_wanted else None
        guard = bench.guard_part() if guarded else None
        summary = report(args, runs, ceiling, login, flood, guard, writes, mixed)
        summary["io_check"] = "skipped" if args.skip_check_io else not io_differs
        if io_differs:
            print("WARNING: the I/O check failed (see above): the ratios of the pairs that")
            print("differ compare unlike work until raw_asyncpg_app.py (or the guard) follows.")
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2))
    finally:
        bench.cleanup()
        log(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
