"""The `scripthub` command: serve, migrate, manage users and load the demo from a shell."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import uvicorn

from scripthub.adapters.sqlalchemy.migrations import (
    current_revision,
    head_revision,
    upgrade_database,
)
from scripthub.application.accounts import Operator, OwnUser
from scripthub.application.users.change_roles import ChangeUserRoleCommand
from scripthub.application.users.create_account import CreateAccountCommand
from scripthub.application.users.new_account import AccountFields
from scripthub.domain.errors import DomainError, NotFoundError
from scripthub.domain.mail import DeliveryStatus
from scripthub.entrypoints.containers import Container, build_container, close_container
from scripthub.entrypoints.demo.seed import seed_demo
from scripthub.entrypoints.mail_worker import dispatch_once, dispatch_until, refresh_outbox_gauge
from scripthub.entrypoints.settings import Settings, SettingsError, load_settings

T = TypeVar("T")
OPERATOR = Operator()


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
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_bounded(1, 65535), default=8000)
    serve.add_argument("--workers", type=_bounded(1, 64), default=1)

    db = commands.add_parser("db", help="database migrations").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply every pending migration")
    db.add_parser("current", help="show the applied migration")

    users = commands.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create an account")
    create.add_argument("--email", required=True)
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", action="append", default=[], help="repeatable")
    create.add_argument("--verified", action="store_true", help="mark the email verified")
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

    demo = commands.add_parser("demo", help="the demo catalogue").add_subparsers(
        dest="demo_command", required=True
    )
    seed = demo.add_parser("seed", help="load demo users and scripts (idempotent)")
    seed.add_argument("--force", action="store_true", help="run even when SCRIPTHUB_ENV=production")
    return parser


def _refused(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _migrate_embedded(settings: Settings) -> None:
    """The embedded database migrates itself: a fresh checkout needs no `db upgrade`."""
    if settings.uses_sqlite:
        asyncio.run(upgrade_database(settings.database_url))


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    if workers > 1 and (settings.session_store == "memory" or settings.cache_backend == "memory"):
        return _refused(
            "several workers need shared stores: set SCRIPTHUB_REDIS_URL "
            "(in-process stores live inside one process)"
        )
    _migrate_embedded(settings)
    uvicorn.run(
        "scripthub.entrypoints.http.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        # Logging is configured by the app (JSON in production), which writes the access log.
        log_config=None,
        access_log=False,
        proxy_headers=False,  # X-Forwarded-For is honoured only from SCRIPTHUB_TRUSTED_PROXIES
        server_header=False,
    )
    return 0


async def _with_container(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    container = build_container(settings)
    try:
        return await work(container)
    finally:
        await close_container(container)


async def _create_user(container: Container, args: argparse.Namespace) -> str:
    command = CreateAccountCommand(
        OPERATOR,
        AccountFields(args.email, args.password, args.username),
        roles=tuple(args.role),
        verified=args.verified,
    )
    own: OwnUser = await container.use_cases.create_account().execute(command)
    return f"created {own.user.id} {own.user.email} roles={','.join(own.roles)}"


async def _change_role(container: Container, email: str, role: str, *, grant: bool) -> str:
    command = ChangeUserRoleCommand(OPERATOR, email, role, grant=grant)
    roles: list[str] = await container.use_cases.change_user_role().execute(command)
    return f"{email} roles={','.join(roles)}"


async def _mail(container: Container, args: argparse.Namespace) -> str:
    if args.mail_command == "dispatch":
        if not args.once:
            await dispatch_until(container, asyncio.Event())  # until interrupted
        await dispatch_once(container)
        counts = await refresh_outbox_gauge(container)
        return " ".join(f"{status}={count}" for status, count in counts.items())
    store = container.adapters.outbox_dispatch_store()
    if args.mail_command == "retry":
        try:
            message_id = uuid.UUID(args.message_id)
        except ValueError:
            raise NotFoundError(f"No failed mail {args.message_id}.") from None
        if not await store.requeue(message_id, container.adapters.clock().now()):
            raise NotFoundError(f"No failed mail {args.message_id}.")
        return f"queued {message_id} again"
    failed = await store.list_by_status(DeliveryStatus.FAILED, args.limit)
    return (
        "\n".join(
            f"{m.id}  {m.created_at:%Y-%m-%d %H:%M}  to={m.email.to}  attempts={m.attempts}  "
            f"subject={m.email.subject!r}  error={m.last_error!r}"
            for m in failed
        )
        or "no failed mail"
    )


def _demo_seed(settings: Settings, *, force: bool) -> int:
    production = settings.env == "production"
    if production and not force:
        return _refused(
            "refusing to load demo users and scripts into a production catalogue "
            "(SCRIPTHUB_ENV=production); pass --force if that is really wanted"
        )
    _migrate_embedded(settings)
    report = asyncio.run(_with_container(settings, lambda c: seed_demo(c, production=production)))
    print(report.summary())
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "db":
        if args.db_command == "upgrade":
            asyncio.run(upgrade_database(settings.database_url))
        revision = asyncio.run(current_revision(settings.database_url))
        head = head_revision()
        print(f"{revision or 'none'}{' (head)' if revision == head else f' (head is {head})'}")
        return 0
    if args.command == "demo":
        return _demo_seed(settings, force=args.force)
    if args.command == "mail":
        print(asyncio.run(_with_container(settings, lambda c: _mail(c, args))))
        return 0
    if args.users_command == "create":
        print(asyncio.run(_with_container(settings, lambda c: _create_user(c, args))))
    else:
        grant = args.users_command == "grant-role"
        print(
            asyncio.run(
                _with_container(
                    settings, lambda c: _change_role(c, args.email, args.role, grant=grant)
                )
            )
        )
    return 0


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
        print(f"error: {error.code}: {error.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
