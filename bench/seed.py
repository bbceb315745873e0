"""Seed the benchmark database and Redis through ScriptHub's own use cases.

Accounts are created with the operator's `CreateAccount` use case (so roles, the email
sign-in method and the audit rows are what the product writes) and sessions with the
product's `SessionStarter` (the same Redis writes and JWTs as a login, minus the bcrypt check).

Hashing 12-round bcrypt once per account would take minutes on 2 cores, so every account gets
the same precomputed hash of the same password: a login still costs one full 12-round check.

Reads the same SCRIPTHUB_* environment as the servers. Writes, under the output folder:
  users.txt            email per line (login flood)
  access.txt           one access token per line (GET routes)
  access-admin.txt     the same for the `--admins` accounts, created with ADMIN_ROLE
                       (the guarded route of target (d))
  refresh-<name>.txt   one unused refresh token per line, for each name given
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from pathlib import Path

from dependency_injector import providers

from scripthub.application.accounts import Operator
from scripthub.application.users.create_account import CreateAccountCommand
from scripthub.application.users.new_account import AccountFields
from scripthub.domain.audit import RequestContext
from scripthub.domain.providers import Provider
from scripthub.entrypoints.containers import build_container, close_container
from scripthub.entrypoints.settings import load_settings

PASSWORD = "bench-Password-4711"
ADMIN_ROLE = "admin"  # holds roles.read, which guard_app.py's guarded route requires
OPERATOR = Operator()


class PrecomputedHasher:
    """A `PasswordHasher` that hands out one real hash computed at the configured cost."""

    def __init__(self, password_hash: str) -> None:
        self._hash = password_hash

    async def hash(self, password: str) -> str:  # noqa: ARG002 - always PASSWORD
        return self._hash

    async def verify(self, password: str, password_hash: str | None) -> bool:
        raise NotImplementedError


async def seed(out: Path, users: int, admins: int, refresh_sets: dict[str, int]) -> None:
    settings = load_settings(env_file=None)
    container = build_container(settings)
    try:
        password_hash = await container.adapters.hasher().hash(PASSWORD)
        container.adapters.hasher.override(providers.Object(PrecomputedHasher(password_hash)))
        create_account = container.use_cases.create_account()
        context = RequestContext(ip_address="127.0.0.1", user_agent="scripthub-bench-seed")
        tag = uuid.uuid4().hex[:8]
        owns, admin_owns = [], []
        for number in range(users + admins):
            fields = AccountFields(
                email=f"bench-{tag}-{number}@example.com",
                password=PASSWORD,
                username=f"bench_{tag}_{number}",
                full_name=f"Bench User {number}",
            )
            is_admin = number >= users
            command = CreateAccountCommand(
                OPERATOR, fields, roles=(ADMIN_ROLE,) if is_admin else (), verified=True
            )
            own = await create_account.execute(command)
            (admin_owns if is_admin else owns).append(own)
        starter = container.use_cases.sessions()
        access = [(await starter.start(own, context, Provider.EMAIL)).access_token for own in owns]
        (out / "users.txt").write_text("".join(f"{own.user.email}\n" for own in owns))
        (out / "access.txt").write_text("".join(f"{token}\n" for token in access))
        if admin_owns:
            admin_access = [
                (await starter.start(own, context, Provider.EMAIL)).access_token
                for own in admin_owns
            ]
            (out / "access-admin.txt").write_text("".join(f"{t}\n" for t in admin_access))
        for name, count in refresh_sets.items():
            tokens = [
                (await starter.start(owns[i % len(owns)], context, Provider.EMAIL)).refresh_token
                for i in range(count)
            ]
            (out / f"refresh-{name}.txt").write_text("".join(f"{t}\n" for t in tokens))
    finally:
        container.adapters.hasher.reset_override()
        await close_container(container)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder for the token files")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--admins", type=int, default=0, help=f"more accounts, as {ADMIN_ROLE}")
    parser.add_argument(
        "--refresh",
        action="append",
        default=[],
        metavar="NAME=COUNT",
        help="a file of COUNT fresh refresh tokens (repeatable)",
    )
    args = parser.parse_args()
    sets = {name: int(count) for name, _, count in (s.partition("=") for s in args.refresh)}
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(seed(args.out, args.users, args.admins, sets))
    print(
        f"seeded {args.users} users, {args.admins} {ADMIN_ROLE}s, refresh sets {sets}"
        f" into {args.out}"
    )


if __name__ == "__main__":
    main()
