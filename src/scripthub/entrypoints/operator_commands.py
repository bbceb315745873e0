"""The `scripthub` commands that work on the catalogue through the application's use cases
(`users`, `mail`, `demo`): each builds the whole container, so `cli` imports this module only
when one of them runs, not for `serve`, whose every worker imports `cli` again."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from scripthub.application.accounts import Operator, OwnUser
from scripthub.application.ports.mail import OutboxDispatchStore
from scripthub.application.users.change_roles import ChangeUserRoleCommand
from scripthub.application.users.create_account import CreateAccountCommand
from scripthub.application.users.list_users import ListUsersQuery
from scripthub.application.users.new_account import AccountFields
from scripthub.application.users.set_password import SetUserPasswordCommand
from scripthub.domain.errors import NotFoundError
from scripthub.domain.mail import DeliveryStatus
from scripthub.domain.users import AccountStatus
from scripthub.entrypoints.containers import Container, build_container, close_container
from scripthub.entrypoints.demo.seed import seed_demo
from scripthub.entrypoints.mail_worker import (
    DispatcherWatch,
    dispatch_once,
    dispatch_until,
    refresh_outbox_gauge,
)
from scripthub.entrypoints.settings import Settings
from scripthub.entrypoints.sync_worker import sync_until

T = TypeVar("T")
OPERATOR = Operator()


async def _with_container(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    container = build_container(settings)
    try:
        return await work(container)
    finally:
        await close_container(container)


async def _create_user(container: Container, args: argparse.Namespace) -> str:
    command = CreateAccountCommand(
        OPERATOR,
        AccountFields(args.email, args.password_read, args.username),
        roles=tuple(args.role),
        verified=args.verified,
    )
    own: OwnUser = await container.use_cases.create_account().execute(command)
    return f"created {own.user.id} {own.user.email} roles={','.join(own.roles)}"


async def _list_users(container: Container, args: argparse.Namespace) -> str:
    status = AccountStatus(args.status) if args.status else None
    lines: list[str] = []
    cursor: str | None = None
    while True:
        query = ListUsersQuery(OPERATOR, args.search, status, cursor, limit=100)
        page = await container.use_cases.list_users().execute(query)
        lines.extend(
            f"{own.user.id}  {own.user.email}  {own.user.username}  "
            f"{own.user.account_status}  roles={','.join(own.roles)}"
            for own in page.items
        )
        if page.next_cursor is None:
            return "\n".join(lines) or "no users"
        cursor = page.next_cursor


async def _set_password(container: Container, args: argparse.Namespace) -> str:
    command = SetUserPasswordCommand(OPERATOR, args.user, args.password_read)
    email = await container.use_cases.set_user_password().execute(command)
    return f"{email} password set; every session of the account ended"


async def _change_role(container: Container, email: str, role: str, *, grant: bool) -> str:
    command = ChangeUserRoleCommand(OPERATOR, email, role, grant=grant)
    roles: list[str] = await container.use_cases.change_user_role().execute(command)
    return f"{email} roles={','.join(roles)}"


async def _mail(container: Container, args: argparse.Namespace) -> str:
    if args.mail_command == "dispatch":
        if not args.once:
            watch = DispatcherWatch(container.adapters.clock())
            await dispatch_until(container, asyncio.Event(), watch)  # until interrupted
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
    if args.mail_command == "latest":
        return await _latest_mail(store, args.limit)
    failed = await store.list_by_status(DeliveryStatus.FAILED, args.limit)
    return (
        "\n".join(
            f"{m.id}  {m.created_at:%Y-%m-%d %H:%M}  to={m.email.to}  attempts={m.attempts}  "
            f"subject={m.email.subject!r}  error={m.last_error!r}"
            for m in failed
        )
        or "no failed mail"
    )


async def _latest_mail(store: OutboxDispatchStore, limit: int) -> str:
    """The newest `limit` mails, whatever their status, newest first, as their reader sees
    them: a development mailbox (the console mailer's are otherwise only in the log)."""
    found = [m for status in DeliveryStatus for m in await store.list_by_status(status, limit)]
    newest = sorted(found, key=lambda m: (m.created_at, m.id), reverse=True)[:limit]
    return (
        "\n\n".join(
            f"--- {m.created_at:%Y-%m-%d %H:%M:%S} to={m.email.to} status={m.status}\n"
            f"Subject: {m.email.subject}\n\n{m.email.text.rstrip()}"
            for m in newest
        )
        or "no mail"
    )


def users(args: argparse.Namespace, settings: Settings) -> str:
    """`users create|list|set-password|grant-role|revoke-role`; a password is read already."""
    work: dict[str, Callable[[Container, argparse.Namespace], Awaitable[str]]] = {
        "create": _create_user,
        "list": _list_users,
        "set-password": _set_password,
    }
    if args.users_command in work:
        chosen = work[args.users_command]
        return asyncio.run(_with_container(settings, lambda c: chosen(c, args)))
    grant = args.users_command == "grant-role"
    return asyncio.run(
        _with_container(settings, lambda c: _change_role(c, args.email, args.role, grant=grant))
    )


def mail(args: argparse.Namespace, settings: Settings) -> str:
    return asyncio.run(_with_container(settings, lambda c: _mail(c, args)))


def sources(args: argparse.Namespace, settings: Settings) -> str:
    return asyncio.run(_with_container(settings, lambda c: _sources(c, args)))


async def _sources(container: Container, args: argparse.Namespace) -> str:
    """`sources sync`: the worker `SCRIPTHUB_SOURCE_SYNC=external` asks for."""
    if not args.once:
        watch = DispatcherWatch(container.adapters.clock())
        await sync_until(container, asyncio.Event(), watch)  # until interrupted
    report = await container.use_cases.run_source_syncs().run_once()
    return f"ran={report.ran} retrying={report.retrying}"


def demo_seed(settings: Settings, *, production: bool) -> str:
    report = asyncio.run(_with_container(settings, lambda c: seed_demo(c, production=production)))
    return report.summary()
