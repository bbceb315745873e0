"""The `scripthub` command: serve, migrate, manage users and load the demo from a shell."""

from __future__ import annotations

import argparse
import contextlib
import errno
import getpass
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

import uvicorn

from scripthub.domain.errors import DomainError, ServiceUnavailableError
from scripthub.domain.users import AccountStatus
from scripthub.entrypoints.banner import scripthub_version, start_up_banner
from scripthub.entrypoints.outages import described
from scripthub.entrypoints.settings import Settings, SettingsError, load_settings
from scripthub.entrypoints.worker_environment import MULTIPROCESS_DIRECTORY

PROMPTED_WHEN_LEFT_OUT = "prompted for when left out (read from stdin when piped)"
PACKAGE_DIRECTORY = Path(__file__).resolve().parents[1]
# uvicorn kills a worker that does not answer its supervisor within this; its 5 s default is
# less than a spawned worker can take to import the app on a busy host, which then starts,
# dies and starts again without ever serving.
WORKER_HEALTHCHECK_SECONDS = 30
PUBLIC_URL_VARIABLE = "SCRIPTHUB_PUBLIC_URL"
# Named to uvicorn, which imports it in each serving process (this one too when it serves
# alone): the master of several workers loads none of the app.
WORKER_MODULE = "scripthub.entrypoints.http.worker"


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripthub", description="ScriptHub backend")
    parser.add_argument("--version", action="version", version=f"scripthub {scripthub_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_bounded(1, 65535), default=8000)
    serve.add_argument("--workers", type=_bounded(1, 64), default=1)
    serve.add_argument(
        "--reload", action="store_true", help="restart when the code changes (development)"
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="apply pending migrations before serving (the embedded SQLite database always is)",
    )

    db = commands.add_parser("db", help="database migrations").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply every pending migration")
    db.add_parser("current", help="show the applied migration")
    db.add_parser("history", help="list every migration, newest first")
    downgrade = db.add_parser("downgrade", help="undo migrations down to REV")
    downgrade.add_argument("revision", metavar="REV", help="a revision, or 'base' for none")

    users = commands.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create an account")
    create.add_argument("--email", required=True)
    create.add_argument("--username", required=True)
    create.add_argument("--password", help=PROMPTED_WHEN_LEFT_OUT)
    create.add_argument("--role", action="append", default=[], help="repeatable")
    create.add_argument("--verified", action="store_true", help="mark the email verified")
    listing = users.add_parser("list", help="list accounts, newest first")
    listing.add_argument("--search", help="part of an email or username")
    listing.add_argument("--status", choices=[s.value for s in AccountStatus])
    set_password = users.add_parser("set-password", help="set a user's password")
    set_password.add_argument("user", help="the user's email or id")
    set_password.add_argument("--password", help=PROMPTED_WHEN_LEFT_OUT)
    for name in ("grant-role", "revoke-role"):
        change = users.add_parser(name, help=f"{name.split('-')[0]} a role")
        change.add_argument("email")
        change.add_argument("role")

    mail = commands.add_parser("mail", help="the mail outbox").add_subparsers(
        dest="mail_command", required=True
    )
    dispatch = mail.add_parser("dispatch", help="deliver queued mail (until interrupted)")
    dispatch.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    failed = mail.add_parser("failed", help="list mail given up on")
    failed.add_argument("--limit", type=_bounded(1, 10_000), default=50)
    retry = mail.add_parser("retry", help="queue a failed mail again")
    retry.add_argument("message_id")
    latest = mail.add_parser("latest", help="print the latest mails whole (not in production)")
    latest.add_argument("--limit", type=_bounded(1, 100), default=3)

    sources = commands.add_parser("sources", help="script sources").add_subparsers(
        dest="sources_command", required=True
    )
    sync = sources.add_parser("sync", help="run queued source syncs (until interrupted)")
    sync.add_argument("--once", action="store_true", help="run what is due, then exit")

    demo = commands.add_parser("demo", help="the demo catalogue").add_subparsers(
        dest="demo_command", required=True
    )
    seed = demo.add_parser("seed", help="load demo users and scripts (idempotent)")
    seed.add_argument("--force", action="store_true", help="run even when SCRIPTHUB_ENV=production")
    return parser


class PasswordsDifferError(Exception):
    """The two passwords typed at the prompt are not the same."""


def _password(given: str | None) -> str:
    """`--password`, else typed twice at a terminal, else the first line of stdin."""
    if given is not None:
        return given
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != password:
        raise PasswordsDifferError
    return password


def _refused(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


@contextlib.contextmanager
def _exported(name: str, value: str | None) -> Iterator[None]:
    """`name=value` in the environment of the workers spawned within the block (nothing when
    `value` is None)."""
    if value is None:
        yield
        return
    os.environ[name] = value
    try:
        yield
    finally:
        del os.environ[name]


@contextlib.contextmanager
def _metrics_shared_by(workers: int) -> Iterator[None]:
    """Several workers write their metrics to files in a fresh directory of this start's own,
    which every worker's `/metrics` adds up; it is removed when the server stops. The workers
    are spawned, so they read the variable when they first import prometheus_client."""
    if workers == 1:
        yield
        return
    directory = tempfile.mkdtemp(prefix="scripthub-metrics-")
    try:
        with _exported(MULTIPROCESS_DIRECTORY, directory):
            yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _why_not_listening(host: str, port: int) -> str | None:
    """Why the server could not listen on `host`:`port`, said before anything starts (uvicorn
    would say it in a log line among its start-up lines), or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.create_server((host, port), family=family):
            return None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return (
                f"{host}:{port} is in use (another server, perhaps ScriptHub already running?): "
                "stop it, or choose another port with --port"
            )
        return f"cannot listen on {host}:{port}: {error.strerror or error}"


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    host, port, workers = args.host, args.port, args.workers
    if args.reload and workers > 1:
        return _refused("--reload runs one worker: leave out --workers")
    if workers > 1 and (settings.session_store == "memory" or settings.cache_backend == "memory"):
        return _refused(
            "several workers need shared stores: set SCRIPTHUB_REDIS_URL "
            "(in-process stores live inside one process)"
        )
    if occupied := _why_not_listening(host, port):
        return _refused(occupied)
    if refusal := _database_commands().refusal_to_serve(settings, migrate=args.migrate):
        return _refused(refusal)
    print(start_up_banner(settings, host, port, reload=args.reload), flush=True)
    # The workers load their own settings: they are given the origin the public URL follows.
    following = settings.public_url_follows_server
    public_url = settings.served_at(host, port).public_url if following else None
    with _metrics_shared_by(workers), _exported(PUBLIC_URL_VARIABLE, public_url):
        uvicorn.run(
            f"{WORKER_MODULE}:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=args.reload,
            reload_dirs=[str(PACKAGE_DIRECTORY)] if args.reload else None,
            http=f"{WORKER_MODULE}:GuardedHttpProtocol",
            ws="none",  # the API has no WebSocket routes: an Upgrade is an ordinary request
            log_level=settings.log_level.lower(),
            # Logging is configured by the app (JSON in production), which writes the access log.
            log_config=None,
            access_log=False,
            proxy_headers=False,  # X-Forwarded-For is honoured only from SCRIPTHUB_TRUSTED_PROXIES
            server_header=False,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    return 0


def _demo_seed(settings: Settings, *, force: bool) -> int:
    production = settings.env == "production"
    if production and not force:
        return _refused(
            "refusing to load demo users and scripts into a production catalogue "
            "(SCRIPTHUB_ENV=production); pass --force if that is really wanted"
        )
    _database_commands().migrate_embedded(settings)
    print(_operator_commands().demo_seed(settings, production=production))
    return 0


def _mail_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.mail_command == "latest" and settings.env == "production":
        return _refused("`mail latest` prints mail with its single-use links: not in production")
    if refusal := _database_commands().refusal_to_use(settings.database_url):
        return _refused(refusal)
    print(_operator_commands().mail(args, settings))
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "db":
        refusal = _database_commands().db_command(settings, args)
        return _refused(refusal) if refusal else 0
    if args.command == "demo":
        return _demo_seed(settings, force=args.force)
    if args.command == "mail":
        return _mail_command(settings, args)
    if refusal := _database_commands().refusal_to_use(settings.database_url):
        return _refused(refusal)
    return _users(args, settings)


def _users(args: argparse.Namespace, settings: Settings) -> int:
    """`users ...`, and `sources sync` (which needs nothing more than a database either)."""
    if args.command == "sources":
        print(_operator_commands().sources(args, settings))
        return 0
    if args.users_command in {"create", "set-password"}:
        try:
            args.password_read = _password(args.password)
        except PasswordsDifferError:
            return _refused("the two passwords differ; nothing was changed")
    print(_operator_commands().users(args, settings))
    return 0


def _operator_commands() -> ModuleType:
    """The commands that build the whole application, imported when one runs: every worker
    of `serve` imports this module again (as the spawned process's main module), and loading
    the application twice per worker was most of its start-up (bench/README.md)."""
    from scripthub.entrypoints import operator_commands  # noqa: PLC0415

    return operator_commands


def _database_commands() -> ModuleType:
    """The commands' dealings with the database, imported when one runs: with them come
    SQLAlchemy and Alembic, which neither a worker's first import nor `--help` needs."""
    from scripthub.entrypoints import database_commands  # noqa: PLC0415

    return database_commands


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        return _run(args, settings)
    except DomainError as error:
        detail = described(error) if isinstance(error, ServiceUnavailableError) else error.detail
        print(f"error: {error.code}: {detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
