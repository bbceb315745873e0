"""`run.py --check-io-only`: does the raw baseline still do exactly the product's I/O?

The comparisons of target (a), of refresh, of the write routes (PATCH /api/users/me, login,
register, publishing a version, rating) and of update checks (script_code.py's
`update_checks` part) are only fair while
raw_asyncpg_app.py makes the same Redis calls and the same SQL round trips as the product,
and that of target (d) while the guarded route
of guard_app.py does the same I/O as the unguarded one (the guard authenticates, and the
`principal` dependency must then reuse its principal rather than authenticate again). This
sends a few requests to each and records:

  Redis       every command, from `MONITOR` (kept: clients that touched the bench's key
              prefix, and the commands Lua scripts run on such keys);
  PostgreSQL  every statement, from the server log with `log_statement = all`, set on the
              bench database only and before any server connects to it.

Windows are separated by marker commands, so no clocks are compared. Prints the per-request
sequence of each and exits 1 on any difference (SQL is compared in full; only the printout is
shortened), and when the server log cannot be read (SQL not compared is not checked).
Prepared-statement set-up (Parse/Describe) is not logged by PostgreSQL; concurrent warm-up requests
beforehand make every worker open its connections and prepare its statements first. The servers
of the check run without the in-process mail dispatcher and source sync worker
(`WITHOUT_BACKGROUND_WORK`): their polling would land in the windows; the install flusher's
claims (every 2 s in each product process, and no SQL while there is nothing to flush) are left
out of the Redis windows by their key.
Logins use the first seeded account, registrations new names, PATCHes a new bio each time (so
that each one writes), update checks the script seed_script.py seeds, anonymous, with its
digest in `If-None-Match` (answered 304); ratings that script by the first account, a new score
each time; publications the scripts of seed_script.py --publisher, one a thread, each a version
greater than the last. The product's first update checks fill the latest-code cache, which the
raw app reads too (same keys): the check sees a warm cache, as the bench does; each window
follows one unrecorded request of its side, which fills the entry again if it expired meanwhile
(it lives 60 s; on a machine at load average 12 the warm-ups took longer, and the product's
window showed the refill). With --peer, the fastapi-users peer's GET /users/me is printed too,
not compared: it does other I/O by design.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection

    from run import Bench

WITHOUT_BACKGROUND_WORK = {
    "SCRIPTHUB_MAIL_DISPATCH": "external",
    "SCRIPTHUB_SOURCE_SYNC": "external",
}
"""Servers of a bench run without the in-process mail dispatcher and source sync worker:
their polling would land among the measured requests (the raw apps have neither)."""
REQUESTS_PER_WINDOW = 3
# Before recording: this many requests per route and server (--check-warm-up), at most
# WARM_UP_THREADS at a time, so that every worker of a server has served some (sequential
# ones may all reach one worker) and opened its connections.
WARM_UP_REQUESTS = 16
WARM_UP_THREADS = 8
POOL_SIZE = 4  # PostgreSQL connections per server process of the check
ANSWER_TIMEOUT = 60  # seconds: eight 12-round bcrypt checks at once on a busy machine
GUARDED, UNGUARDED = "/api/bench/guarded", "/api/bench/unguarded"  # guard_app.py's routes
# Named by every script of the product's install flusher (a loop in each server process,
# every 2 s: background work, not a request's), and by no request's command.
FLUSHER_KEY = "installs:claims"
UPDATE_CHECK_PATH = "/api/scripts/{id}/raw"  # sent as Bench.update_check says
UPDATE_CHECK = "GET /api/scripts/{id}/raw (update check), product vs raw"
PUBLISH_PATH = "/api/scripts/{id}/versions"  # one of the publisher's scripts a thread
RATING_PATH = "/api/scripts/{id}/rating"  # seed_script.py's script, by the first account
ADMIN_TOKENS = "access-admin.txt"  # seed.py --admins: accounts holding the guard's permission
# (title, one side, the other side); a side is (server, method, path)
Side = tuple[str, str, str]
COMPARISONS: tuple[tuple[str, Side, Side], ...] = (
    (  # first: warmed up first (its cache entry is filled again before its windows)
        UPDATE_CHECK,
        ("product", "GET", UPDATE_CHECK_PATH),
        ("raw", "GET", UPDATE_CHECK_PATH),
    ),
    (
        "GET /api/users/me, product vs raw",
        ("product", "GET", "/api/users/me"),
        ("raw", "GET", "/api/users/me"),
    ),
    (
        "POST /api/auth/refresh, product vs raw",
        ("product", "POST", "/api/auth/refresh"),
        ("raw", "POST", "/api/auth/refresh"),
    ),
    (
        "POST /api/auth/login, product vs raw",
        ("product", "POST", "/api/auth/login"),
        ("raw", "POST", "/api/auth/login"),
    ),
    (
        "POST /api/auth/register, product vs raw",
        ("product", "POST", "/api/auth/register"),
        ("raw", "POST", "/api/auth/register"),
    ),
    (
        "PATCH /api/users/me, product vs raw",
        ("product", "PATCH", "/api/users/me"),
        ("raw", "PATCH", "/api/users/me"),
    ),
    (
        "POST /api/scripts/{id}/versions (publish), product vs raw",
        ("product", "POST", PUBLISH_PATH),
        ("raw", "POST", PUBLISH_PATH),
    ),
    (
        "PUT /api/scripts/{id}/rating, product vs raw",
        ("product", "PUT", RATING_PATH),
        ("raw", "PUT", RATING_PATH),
    ),
    (
        "GET /api/users/me, product vs its --ab copy",
        ("product", "GET", "/api/users/me"),
        ("alt", "GET", "/api/users/me"),
    ),
    (
        "POST /api/auth/refresh, product vs its --ab copy",
        ("product", "POST", "/api/auth/refresh"),
        ("alt", "POST", "/api/auth/refresh"),
    ),
    (
        "guard_app.py, unguarded vs guarded",
        ("guard", "GET", UNGUARDED),
        ("guard", "GET", GUARDED),
    ),
)
# Printed, not compared: a peer that does other I/O by design (run.py --peer).
SHOWN: tuple[tuple[str, Side], ...] = (
    (
        "GET /users/me of the fastapi-users peer (shown, not compared: it does other I/O)",
        ("peer", "GET", "/users/me"),
    ),
)
SHOWN_SQL = 110  # characters of a statement printed
LOG_ENTRY = re.compile(r"^\S+ \S+ \S+ \[\d+\] \S*@(?P<db>\S*) (?P<level>[A-Z]+):  (?P<text>.*)$")


def _marker(name: str) -> str:
    return f"bench_marker_{name.replace('/', '_').replace(' ', '_')}"


class RedisRecorder:
    """Runs MONITOR on a thread until it sees the stop marker."""

    def __init__(self, url: str, prefix: str) -> None:
        self.prefix = prefix
        self.commands: list[dict[str, Any]] = []
        # Imported here: run.py imports this module before it knows it runs in .venv.
        import redis  # noqa: PLC0415

        self._client = redis.Redis.from_url(url)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RedisRecorder:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.mark("stop")
        self._thread.join(10)
        self._client.close()

    def mark(self, name: str) -> None:
        self._client.exists(f"{self.prefix}{_marker(name)}")

    def _run(self) -> None:
        with self._client.monitor() as monitor:
            self._ready.set()
            while True:
                command = monitor.next_command()
                self.commands.append(command)
                if _marker("stop") in command["command"]:
                    return

    def windows(self) -> dict[str, list[str]]:
        """Normalized commands of our clients, split at the markers."""
        ours = {
            (c["client_address"], c["client_port"])
            for c in self.commands
            if self.prefix in c["command"] and c["client_type"] != "lua"
        }
        found: dict[str, list[str]] = {}
        current: list[str] | None = None
        flusher = False  # in a script of the install flusher, and the commands it runs
        for command in self.commands:
            text = command["command"]
            if _marker("") in text:
                current = found.setdefault(text.split(_marker(""), 1)[1], [])
                continue
            lua = command["client_type"] == "lua"
            if not lua:
                flusher = f"{self.prefix}{FLUSHER_KEY}" in text
            if current is None or flusher:
                continue
            if lua and self.prefix in text:
                current.append("  (lua) " + self._normalize(text))
            elif not lua and (command["client_address"], command["client_port"]) in ours:
                current.append(self._normalize(text))
        return found

    def _normalize(self, text: str) -> str:
        parts = text.split()
        name = parts[0].upper()
        if name in {"EVALSHA", "EVAL"}:
            return name
        key = next((p for p in parts[1:] if p.startswith(self.prefix)), None)
        if key is None:
            return name
        return f"{name} {':'.join(key.removeprefix(self.prefix).split(':')[:-1]) or '*'}"


def client_commands(commands: list[str]) -> int:
    """Commands clients sent: a MULTI ... EXEC block is one, Lua's own calls are none.

    MONITOR cannot show pipelining: commands sent in one pipeline count separately here.
    """
    sent, in_multi = 0, False
    for command in commands:
        if command.startswith("  (lua)"):
            continue
        if command == "MULTI":
            in_multi = True
        elif command == "EXEC":
            in_multi = False
            sent += 1
        elif not in_multi:
            sent += 1
    return sent


def sql_windows(log_text: str, database: str) -> dict[str, list[str]]:
    """Statements run in `database`, split at the marker queries."""
    entries: list[str] = []
    for line in log_text.splitlines():
        match = LOG_ENTRY.match(line)
        if match:
            keep = match["db"] == database and match["level"] == "LOG"
            entries.append(match["text"] if keep else "")
        elif line.startswith("\t") and entries and entries[-1]:
            entries[-1] += " " + line.strip()
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for text in entries:
        if text.startswith(("statement: ", "execute ")):
            sql = " ".join(text.split(": ", 1)[1].split()).rstrip(";")
            # PostgreSQL's default level, spelt out by SQLAlchemy on pooled connections that
            # once ran at another level (the outbox dispatcher's AUTOCOMMIT): the same work.
            sql = sql.removesuffix(" ISOLATION LEVEL READ COMMITTED")
            if _marker("") in sql:
                current = found.setdefault(sql.split(_marker(""), 1)[1].rstrip("'"), [])
            elif current is not None:
                current.append(sql)
    return found


def shorten(sql: str) -> str:
    return sql if len(sql) <= SHOWN_SQL else sql[: SHOWN_SQL - 3] + "..."


def per_request(items: list[str]) -> list[str]:
    """One request's share of a window of identical requests, in order."""
    size, extra = divmod(len(items), REQUESTS_PER_WINDOW)
    return items[:size] if not extra else [*items, f"(uneven: {len(items)} in total)"]


def check_io(
    bench: Bench,
    servers: tuple[str, ...] = ("product", "raw", "guard"),
    titles: Collection[str] | None = None,
) -> int:
    """Compare the pairs these servers make up (only those of `titles`, if given); 0 if the
    I/O is the same. Leaves the servers running (they log every statement: stop them before
    measuring anything)."""
    comparisons = [
        c
        for c in COMPARISONS
        if {c[1][0], c[2][0]} <= set(servers) and (titles is None or c[0] in titles)
    ]
    shown = [(title, side) for title, side in SHOWN if side[0] in servers and titles is None]
    bench.psql(f"ALTER DATABASE \"{bench.database}\" SET log_statement = 'all'")
    count = bench.args.check_warm_up + REQUESTS_PER_WINDOW + 2
    bench.seed({f"{server}-check": count for server in ("product", "raw", "alt")})
    # Few connections: PostgreSQL's 100 are shared with whatever else runs on the machine.
    pools = {"SCRIPTHUB_DATABASE_POOL_SIZE": str(POOL_SIZE), "SCRIPTHUB_DATABASE_MAX_OVERFLOW": "0"}
    bench.start_servers(servers, env={**WITHOUT_BACKGROUND_WORK, **pools})
    sides = [side for _, *pair in comparisons for side in pair]
    commands, logged = _record(bench, [*sides, *(side for _, side in shown)])
    sql = logged or {}
    failures = [title for title, *sides in comparisons if not _compare(title, sides, commands, sql)]
    if logged is None:
        failures.append(f"SQL not compared: no PostgreSQL log at {bench.args.pg_log} (--pg-log)")
    for title, side in shown:
        _show(title, [side], commands, sql)
    print()
    print("I/O check:", "OK" if not failures else f"differs: {'; '.join(failures)}")
    if failures:
        print("  (product vs raw: update raw_asyncpg_app.py; unguarded vs guarded: the guard")
        print("  and the principal dependency do not share their work, see http/auth.py)")
    return 1 if failures else 0


def _record(
    bench: Bench, sides: list[Side]
) -> tuple[dict[str, list[str]], dict[str, list[str]] | None]:
    """Redis commands and SQL statements (None: no server log to read them from) of
    REQUESTS_PER_WINDOW requests per side."""
    kinds = {"guard": "admin", "peer": "peer"}  # whose access tokens; the others: seed.py's
    bearers = {
        server: {"Authorization": f"Bearer {bench.access_token(kinds.get(server, ''))}"}
        for server in {side[0] for side in sides}
    }
    tokens = {
        server: (bench.work / f"refresh-{server}-check.txt").read_text().split()
        for server in ("product", "raw", "alt")
    }

    from run import (  # noqa: PLC0415 - run.py is the entry point that imports us
        PASSWORD,
        PUBLISH_BODY_FILE,
        PUBLISH_SCRIPT_COUNT,
        PUBLISH_VERSION_MARK,
    )

    email = (bench.work / "users.txt").read_text().split()[0]
    paths = {side[2] for side in sides}
    # Asked once, before anything is recorded: they query or seed the bench database (the
    # publisher first: it seeds the other script in the same process).
    publishes = bench.seed_publisher(PUBLISH_SCRIPT_COUNT) if PUBLISH_PATH in paths else []
    update_check = bench.update_check() if UPDATE_CHECK_PATH in paths else None
    rated = bench.seed_script() if RATING_PATH in paths else None
    publisher = {}
    new_version = ""
    if publishes:
        publisher = {"Authorization": f"Bearer {bench.access_token('publisher')}"}
        new_version = (bench.work / PUBLISH_BODY_FILE).read_text()
    nonce, sent = secrets.token_hex(3), itertools.count()
    # Versions only grow on each script: a script per thread, numbered from now on.
    own_script, threads, major = threading.local(), itertools.count(), time.time_ns() // 10**6

    def publication() -> tuple[str, bytes]:
        """The path and body of the calling thread's next version of its own script."""
        if not hasattr(own_script, "id"):
            own_script.id = publishes[next(threads) % len(publishes)]
        version = f"{major}.{next(sent)}"
        body = new_version.replace(PUBLISH_VERSION_MARK, version).encode()
        return PUBLISH_PATH.format(id=own_script.id), body

    def payload_of(server: str, path: str) -> dict[str, str]:
        """The body of one request: unique names and a new value each time."""
        if path == "/api/auth/refresh":
            return {"refresh_token": tokens[server].pop()}
        if path == "/api/auth/login":
            return {"email": email, "password": PASSWORD}
        number = next(sent)
        if path == "/api/auth/register":
            name = f"chk_{nonce}_{number}"
            return {
                "email": f"{name}@example.com",
                "password": PASSWORD,
                "username": name,
                "full_name": f"Bench Register {number}",
            }
        return {"bio": f"bench {nonce} {number}"}  # PATCH /api/users/me: a write every time

    def send(server: str, method: str, path: str) -> None:
        headers, payload, expected = bearers[server], b"", range(200, 300)
        json_body = {"Content-Type": "application/json"}
        if path == UPDATE_CHECK_PATH and update_check:
            (path, headers), expected = update_check, range(304, 305)
        elif path == PUBLISH_PATH:
            (path, payload), headers = publication(), {**publisher, **json_body}
        elif path == RATING_PATH:
            path, headers = RATING_PATH.format(id=rated), {**headers, **json_body}
            payload = json.dumps({"score": next(sent) % 5 + 1}).encode()  # a new score each time
        elif method in {"POST", "PATCH"}:
            data: object = payload_of(server, path)
            if method == "PATCH":
                data = {"profile": data}
            else:
                headers = {}
            headers = {**headers, **json_body}
            payload = json.dumps(data).encode()
        try:
            status, body = bench.http(server, method, path, headers, payload, ANSWER_TIMEOUT)
        except OSError as error:  # a timeout too: say which request
            msg = f"{server} {method} {path}: {error!r}"
            raise RuntimeError(msg) from error
        if status not in expected:
            msg = f"{server} {method} {path} answered {status}: {body[:300]!r}"
            raise RuntimeError(msg)

    # Fill pools, caches and prepared statements of every worker first.
    warm_up = bench.args.check_warm_up
    with ThreadPoolExecutor(max(min(warm_up, WARM_UP_THREADS), 1)) as pool:
        for side in sides:
            list(pool.map(lambda _, side=side: send(*side), range(warm_up)))
    pg_log = bench.args.pg_log
    offset = pg_log.stat().st_size if pg_log.is_file() else None
    with RedisRecorder(bench.args.redis, bench.prefix) as recorder:
        for side in sides:
            name = " ".join(side)
            # One request first, in a window of its own that nothing reads: what expires (a
            # latest-code entry lives 60 s, and the other routes' warm-ups on a busy machine
            # take longer) is filled again, as it is all along under the bench's load.
            for window, requests in ((f"{name} unrecorded", 1), (name, REQUESTS_PER_WINDOW)):
                recorder.mark(window)
                _sql_marker(bench, window)
                for _ in range(requests):
                    send(*side)
        _sql_marker(bench, "stop")
    bench.psql(f'ALTER DATABASE "{bench.database}" RESET log_statement')
    if offset is None:
        return recorder.windows(), None
    with pg_log.open(errors="replace") as log_file:
        log_file.seek(offset)
        sql = sql_windows(log_file.read(), bench.database)
    return recorder.windows(), sql


def _show(
    title: str, sides: list[Side], commands: dict[str, list[str]], sql: dict[str, list[str]]
) -> list[tuple[list[str], list[str]]]:
    """Print each side's Redis commands and SQL statements per request; return them."""
    print(f"\n=== {title}, per request")
    seen = []
    for side in sides:
        name = _marker(" ".join(side)).removeprefix(_marker(""))
        redis_calls = per_request(commands.get(name, []))
        statements = per_request(sql.get(name, []))
        seen.append((redis_calls, statements))
        print(
            f"--- {' '.join(side)}: {client_commands(redis_calls)} Redis commands sent"
            f" (a MULTI block counts once), {len(statements)} SQL statements"
        )
        for line in redis_calls:
            print(f"    redis  {line}")
        for line in statements:
            print(f"    sql    {shorten(line)}")
    return seen


def _compare(
    title: str, sides: list[Side], commands: dict[str, list[str]], sql: dict[str, list[str]]
) -> bool:
    seen = _show(title, sides, commands, sql)
    if seen[0] == seen[1]:
        print("    same I/O: OK")
        return True
    print("!!! MISMATCH")
    names = [" ".join(side) for side in sides]
    for kind, index in (("Redis", 0), ("SQL", 1)):
        first, second = Counter(seen[0][index]), Counter(seen[1][index])
        print(f"    {kind} only in {names[0]}: {[shorten(s) for s in (first - second).elements()]}")
        print(f"    {kind} only in {names[1]}: {[shorten(s) for s in (second - first).elements()]}")
        for number, (one, other) in enumerate(zip(seen[0][index], seen[1][index], strict=False), 1):
            if one != other:
                print(f"    {kind} #{number}, {names[0]} -> {names[1]}: {word_changes(one, other)}")
    return False


def word_changes(first: str, second: str) -> str:
    """Where two statements differ, word by word, with the two words before each change."""
    words, others = first.split(), second.split()
    matcher = difflib.SequenceMatcher(a=words, b=others, autojunk=False)
    return "; ".join(
        f"...{' '.join(words[max(start - 2, 0) : start])} [{' '.join(words[start:end])}]"
        f" -> [{' '.join(others[other_start:other_end])}]"
        for tag, start, end, other_start, other_end in matcher.get_opcodes()
        if tag != "equal"
    )


def _sql_marker(bench: Bench, name: str) -> None:
    """A statement in the bench database that the log shows between two windows."""
    bench.query(f"SELECT '{_marker(name)}'")
