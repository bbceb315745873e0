"""Concurrent writes to one account, through the real use cases, on every backend.

Each trial races two use cases (`asyncio.gather`, separate units of work, small random pauses
between the statements so that they interleave) and then checks that the data and the audit
log tell the same story: a change is in the data exactly when it was audited and answered as a
success, and an audited status, password or role is the one the account has. A whole-row
write would silently undo the other writer (a deleted account coming back, a suspension or a
new password reverted) while the audit log says it happened.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest
from dependency_injector import containers, providers

from scripthub.adapters.access_state import SequentialAccessStateReader
from scripthub.adapters.email_syntax import EmailValidatorSyntax
from scripthub.adapters.memory import (
    InMemoryAccessTokenCache,
    InMemoryLatestCodeStore,
    InMemoryRateLimiter,
    InMemorySessionStore,
)
from scripthub.adapters.security.jwt_tokens import JwtAccessTokens
from scripthub.adapters.unmarked_access_tokens import UnmarkedAccessTokens
from scripthub.application.accounts import Operator, Principal
from scripthub.application.auth.authenticate_request import AuthenticateRequestQuery
from scripthub.application.auth.change_password import ChangePasswordCommand
from scripthub.application.auth.register_user import RegisterUserCommand
from scripthub.application.auth.reset_password import ResetPasswordCommand
from scripthub.application.auth.verify_email import VerifyEmailCommand
from scripthub.application.ports.audit import AuditQuery
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.tokens import new_opaque_token
from scripthub.application.users.change_account_status import ChangeAccountStatusCommand
from scripthub.application.users.change_roles import ChangeUserRoleCommand
from scripthub.application.users.delete_own_account import DeleteOwnAccountCommand
from scripthub.application.users.update_own_user import UpdateOwnUserCommand
from scripthub.domain.audit import AuditEntry
from scripthub.domain.email_tokens import TOKEN_LIFETIMES, EmailToken, TokenPurpose
from scripthub.domain.errors import (
    AccountSuspendedError,
    ConflictError,
    EmailTokenInvalidError,
    NotFoundError,
    WrongCurrentPasswordError,
)
from scripthub.domain.roles import LOCKOUT_PERMISSION
from scripthub.domain.users import AccountStatus, User
from scripthub.entrypoints.containers.use_cases import UseCases
from scripthub.entrypoints.settings import Settings
from tests.contract.uow_backends import Backend
from tests.fakes import InMemoryPermissionCache
from tests.fast_hasher import fast_hasher

TRIALS = 10
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a wholly new passphrase"
RESET_PASSWORD = "reset to something else"
SECRET = "race-test-secret-that-is-long-enough-0123456789"
SETTINGS = Settings(jwt_secret=SECRET, frontend_url="https://scripthub.test")
MAX_PAUSE_S = 0.002
MAX_HEAD_START_S = 0.012

Outcome = object
"""What a use case returned, or the exception it raised."""


class TickingClock:
    """The real time, but never the same instant twice: audit entries order as they were
    written."""

    def __init__(self) -> None:
        self._last = datetime.now(UTC)

    def now(self) -> datetime:
        self._last = max(datetime.now(UTC), self._last + timedelta(microseconds=1))
        return self._last


class _Pausing:
    """A repository of a unit of work whose every call first waits a random moment."""

    def __init__(self, uow: UnitOfWork, name: str, pause: Callable[[], Awaitable[None]]) -> None:
        self._uow = uow
        self._name = name
        self._pause = pause

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Any:
            await self._pause()
            # Looked up at each call: a unit of work may renew its repositories on commit.
            return await getattr(getattr(self._uow, self._name), name)(*args, **kwargs)

        return call


class PausingUnitOfWork:
    """A unit of work whose statements are spread out in time, so that concurrent use cases
    interleave on every backend (the in-memory one never waits by itself)."""

    REPOSITORIES = (
        "users",
        "provider_links",
        "roles",
        "audit",
        "email_tokens",
        "outbox",
        "scripts",
        "access_tokens",
    )

    def __init__(self, inner: UnitOfWork, rng: random.Random) -> None:
        self._inner = inner
        self._rng = rng
        for name in self.REPOSITORIES:
            setattr(self, name, _Pausing(inner, name, self._pause))

    async def _pause(self) -> None:
        await asyncio.sleep(self._rng.uniform(0, MAX_PAUSE_S))

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        await self._pause()
        await self._inner.commit()


@dataclass
class Member:
    user: User
    principal: Principal


class RaceWorld:
    """The product's use cases over one backend's units of work (each pausing at random), with
    the in-process session store, permission cache and rate limiter."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.rng = random.Random(9)
        self.clock = TickingClock()
        self.hasher = fast_hasher(slots=2)
        self.session_store = InMemorySessionStore()
        permission_cache = InMemoryPermissionCache()
        rate_limiter = InMemoryRateLimiter(self.clock)
        adapters = containers.DynamicContainer()
        adapters.settings = providers.Object(SETTINGS)
        adapters.clock = providers.Object(self.clock)
        adapters.email_syntax = providers.Object(EmailValidatorSyntax())
        adapters.common_passwords = providers.Object(frozenset[str]())
        adapters.hasher = providers.Object(self.hasher)
        adapters.access_tokens = providers.Object(
            JwtAccessTokens(SECRET, SETTINGS.access_token_ttl, clock=self.clock)
        )
        adapters.session_store = providers.Object(self.session_store)
        adapters.permission_cache = providers.Object(permission_cache)
        adapters.rate_limiter = providers.Object(rate_limiter)
        adapters.latest_code_store = providers.Object(
            InMemoryLatestCodeStore(rate_limiter, self.clock)
        )
        adapters.token_marks = providers.Object(UnmarkedAccessTokens())
        adapters.access_token_cache = providers.Object(InMemoryAccessTokenCache())
        adapters.access_state = providers.Object(
            SequentialAccessStateReader(self.session_store, permission_cache, rate_limiter)
        )
        adapters.account_reader = providers.Object(backend.account_reader())
        adapters.unit_of_work = providers.Factory(self._pausing_unit_of_work)
        self.use_cases = UseCases(adapters=adapters)
        self.racing = False
        self._registered = 0

    def _pausing_unit_of_work(self) -> UnitOfWork:
        if not self.racing:
            return self.backend.unit_of_work()
        return PausingUnitOfWork(self.backend.unit_of_work(), self.rng)  # type: ignore[return-value]

    async def race(self, *steps: Awaitable[Outcome]) -> list[Outcome]:
        """Run the steps at once, each after a random head start (so that each comes first
        in some trials); what each returned or raised."""

        async def started_later(step: Awaitable[Outcome]) -> Outcome:
            await asyncio.sleep(self.rng.uniform(0, MAX_HEAD_START_S))
            return await step

        self.racing = True
        try:
            outcomes = await asyncio.gather(*map(started_later, steps), return_exceptions=True)
        finally:
            self.racing = False
        return list(outcomes)

    async def member(self, *roles: str) -> Member:
        self._registered += 1
        name = f"user{self._registered}"
        command = RegisterUserCommand(f"{name}@example.com", PASSWORD, name)
        pair = await self.use_cases.register_user().execute(command)
        for role in roles:
            await self.use_cases.change_user_role().execute(
                ChangeUserRoleCommand(Operator(), str(pair.user.user.id), role, grant=True)
            )
        query = AuthenticateRequestQuery(pair.access_token)
        authentication = await self.use_cases.authenticate_request().execute(query)
        return Member(pair.user.user, authentication.require_principal())

    async def mailed_token(self, user: User, purpose: TokenPurpose) -> str:
        """The token of a link as if it had been mailed to the user."""
        token, token_hash = new_opaque_token()
        now = self.clock.now()
        async with self.backend.unit_of_work() as uow:
            await uow.email_tokens.add(
                EmailToken(
                    id=uuid.uuid4(),
                    user_id=user.id,
                    purpose=purpose,
                    token_hash=token_hash,
                    created_at=now,
                    expires_at=now + TOKEN_LIFETIMES[purpose],
                )
            )
            await uow.commit()
        return token

    async def user(self, user_id: uuid.UUID) -> User:
        async with self.backend.unit_of_work() as uow:
            user = await uow.users.get(user_id)
        assert user is not None
        return user

    async def roles_of(self, user_id: uuid.UUID) -> list[str]:
        async with self.backend.unit_of_work() as uow:
            return await uow.roles.roles_of(user_id)

    async def audited(self, user_id: uuid.UUID) -> list[AuditEntry]:
        """The entries about this user, oldest first."""
        async with self.backend.unit_of_work() as uow:
            entries = await uow.audit.search(AuditQuery(resource_id=str(user_id), limit=100))
        return sorted(entries, key=lambda entry: entry.occurred_at)

    async def holders_of_lockout_permission(self) -> int:
        async with self.backend.unit_of_work() as uow:
            return await uow.roles.count_active_holders(LOCKOUT_PERMISSION.name)

    # The use cases raced.

    async def edit(self, member: Member, bio: str) -> Outcome:
        command = UpdateOwnUserCommand(member.principal, profile_changes={"bio": bio})
        return await self.use_cases.update_own_user().execute(command)

    async def delete(self, member: Member) -> Outcome:
        command = DeleteOwnAccountCommand(member.principal, PASSWORD)
        return await self.use_cases.delete_own_account().execute(command)

    async def set_status(self, admin: Member, target: Member, status: AccountStatus) -> Outcome:
        command = ChangeAccountStatusCommand(admin.principal, target.user.id, status)
        return await self.use_cases.change_account_status().execute(command)

    async def change_password(self, member: Member) -> Outcome:
        command = ChangePasswordCommand(member.principal, PASSWORD, NEW_PASSWORD)
        return await self.use_cases.change_password().execute(command)

    async def reset_password(self, token: str, password: str) -> Outcome:
        command = ResetPasswordCommand(token, password)
        return await self.use_cases.reset_password().execute(command)

    async def verify(self, token: str) -> Outcome:
        return await self.use_cases.verify_email().execute(VerifyEmailCommand(token))

    async def change_role(
        self, admin: Member, target: Member, role: str, *, grant: bool
    ) -> Outcome:
        command = ChangeUserRoleCommand(admin.principal, str(target.user.id), role, grant=grant)
        return await self.use_cases.change_user_role().execute(command)


def succeeded(outcome: Outcome) -> bool:
    return not isinstance(outcome, BaseException)


def describe(outcomes: list[Outcome]) -> str:
    return ", ".join(
        repr(outcome) if isinstance(outcome, BaseException) else type(outcome).__name__
        for outcome in outcomes
    )


def actions(entries: list[AuditEntry]) -> list[str]:
    return [entry.action for entry in entries]


def status_told_by(entries: list[AuditEntry]) -> AccountStatus:
    """The status the audit log says the account has: that of its last status change."""
    status = AccountStatus.ACTIVE
    for entry in entries:
        if entry.action == "user.deleted":
            status = AccountStatus.DELETED
        elif entry.action == "user.status_changed":
            status = AccountStatus(entry.metadata["to"])
    return status


def holds_told_by(entries: list[AuditEntry], role: str, *, initially: bool) -> bool:
    holds = initially
    for entry in entries:
        if entry.metadata.get("role") == role:
            holds = entry.action == "role.assigned"
    return holds


class Trials:
    """Collects what went wrong in each trial, so that the failure says how often."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failed: list[str] = []
        self.count = 0

    def check(self, problems: list[str]) -> None:
        self.count += 1
        if problems:
            self.failed.append(f"trial {self.count}: " + "; ".join(problems))

    def assert_all_passed(self) -> None:
        assert not self.failed, (
            f"{self.name}: {len(self.failed)} of {self.count} trials broke:\n"
            + "\n".join(self.failed)
        )


def expect(problems: list[str], condition: bool, message: str) -> None:
    if not condition:
        problems.append(message)


def unexpected(outcome: Outcome, *allowed: type[Exception]) -> bool:
    return isinstance(outcome, BaseException) and not isinstance(outcome, allowed)


async def profile_problems(
    world: RaceWorld, member: Member, bio: str, edited: Outcome, entries: list[AuditEntry]
) -> list[str]:
    problems: list[str] = []
    user = await world.user(member.user.id)
    updated = actions(entries).count("user.updated")
    expect(
        problems,
        updated == int(succeeded(edited)),
        f"edit {describe([edited])}, audited {updated}x",
    )
    expect(
        problems,
        (user.profile.bio == bio) == bool(updated),
        f"bio {user.profile.bio!r} but user.updated audited {updated}x",
    )
    return problems


@pytest.fixture
async def world(backend: Backend) -> AsyncIterator[RaceWorld]:
    yield RaceWorld(backend)
    await backend.close()


# The races.


async def test_a_profile_edit_never_undoes_a_concurrent_account_deletion(world: RaceWorld) -> None:
    trials = Trials("edit vs delete")
    for trial in range(TRIALS):
        member = await world.member()
        bio = f"trial {trial}"
        edited, deleted = await world.race(world.edit(member, bio), world.delete(member))

        entries = await world.audited(member.user.id)
        problems = await profile_problems(world, member, bio, edited, entries)
        user = await world.user(member.user.id)
        expect(problems, not unexpected(edited, NotFoundError), f"edit raised {edited!r}")
        expect(problems, succeeded(deleted), f"delete raised {deleted!r}")
        expect(
            problems,
            user.account_status is status_told_by(entries) is AccountStatus.DELETED,
            f"{user.account_status} but audited {status_told_by(entries)}",
        )
        trials.check(problems)
    trials.assert_all_passed()


async def test_a_profile_edit_never_undoes_a_concurrent_suspension(world: RaceWorld) -> None:
    trials = Trials("edit vs suspend")
    admin = await world.member("admin")
    for trial in range(TRIALS):
        member = await world.member()
        bio = f"trial {trial}"
        edited, suspended = await world.race(
            world.edit(member, bio), world.set_status(admin, member, AccountStatus.SUSPENDED)
        )

        entries = await world.audited(member.user.id)
        problems = await profile_problems(world, member, bio, edited, entries)
        user = await world.user(member.user.id)
        expect(problems, not unexpected(edited, AccountSuspendedError), f"edit raised {edited!r}")
        expect(problems, succeeded(suspended), f"suspend raised {suspended!r}")
        expect(
            problems,
            user.account_status is status_told_by(entries) is AccountStatus.SUSPENDED,
            f"{user.account_status} but audited {status_told_by(entries)}",
        )
        trials.check(problems)
    trials.assert_all_passed()


async def test_a_profile_edit_never_undoes_a_concurrent_password_change(world: RaceWorld) -> None:
    trials = Trials("edit vs password change")
    for trial in range(TRIALS):
        member = await world.member()
        bio = f"trial {trial}"
        edited, changed = await world.race(world.edit(member, bio), world.change_password(member))

        entries = await world.audited(member.user.id)
        problems = await profile_problems(world, member, bio, edited, entries)
        user = await world.user(member.user.id)
        expect(problems, not unexpected(edited), f"edit raised {edited!r}")
        expect(problems, succeeded(changed), f"password change raised {changed!r}")
        expect(
            problems,
            "auth.password_changed" in actions(entries),
            "auth.password_changed not audited",
        )
        expect(
            problems,
            await world.hasher.verify(NEW_PASSWORD, user.password_hash),
            "the new password is refused",
        )
        expect(
            problems,
            not await world.hasher.verify(PASSWORD, user.password_hash),
            "the old password still works",
        )
        trials.check(problems)
    trials.assert_all_passed()


async def test_a_profile_edit_never_undoes_a_concurrent_email_verification(
    world: RaceWorld,
) -> None:
    trials = Trials("edit vs verify")
    for trial in range(TRIALS):
        member = await world.member()
        token = await world.mailed_token(member.user, TokenPurpose.VERIFY_EMAIL)
        bio = f"trial {trial}"
        edited, verified = await world.race(world.edit(member, bio), world.verify(token))

        entries = await world.audited(member.user.id)
        problems = await profile_problems(world, member, bio, edited, entries)
        user = await world.user(member.user.id)
        expect(problems, not unexpected(edited), f"edit raised {edited!r}")
        expect(problems, succeeded(verified), f"verify raised {verified!r}")
        expect(
            problems,
            "auth.email_verified" in actions(entries),
            "auth.email_verified not audited",
        )
        expect(problems, user.email_verified, "the email is not verified")
        trials.check(problems)
    trials.assert_all_passed()


async def test_a_password_change_and_a_reset_at_once_agree_with_the_audit_log(
    world: RaceWorld,
) -> None:
    trials = Trials("password change vs reset")
    for _ in range(TRIALS):
        member = await world.member()
        token = await world.mailed_token(member.user, TokenPurpose.RESET_PASSWORD)
        changed, reset = await world.race(
            world.change_password(member), world.reset_password(token, RESET_PASSWORD)
        )

        entries = await world.audited(member.user.id)
        user = await world.user(member.user.id)
        problems: list[str] = []
        # After a reset, the current password the change was asked with is wrong; after a
        # change, the reset link is dead.
        expect(problems, not unexpected(changed, WrongCurrentPasswordError), f"change {changed!r}")
        expect(problems, not unexpected(reset, EmailTokenInvalidError), f"reset raised {reset!r}")
        told = [
            {"auth.password_changed": NEW_PASSWORD, "auth.password_reset": RESET_PASSWORD}[
                entry.action
            ]
            for entry in entries
            if entry.action in {"auth.password_changed", "auth.password_reset"}
        ]
        expect(
            problems,
            len(told) == sum(map(succeeded, (changed, reset))),
            f"audited {told} ({describe([changed, reset])})",
        )
        for password in (PASSWORD, NEW_PASSWORD, RESET_PASSWORD):
            works = await world.hasher.verify(password, user.password_hash)
            expect(
                problems,
                works == (password == (told or [PASSWORD])[-1]),
                f"{password!r} works: {works}, audited {told}",
            )
        trials.check(problems)
    trials.assert_all_passed()


async def test_a_suspension_and_a_deletion_at_once_agree_with_the_audit_log(
    world: RaceWorld,
) -> None:
    trials = Trials("suspend vs delete")
    admin = await world.member("admin")
    for _ in range(TRIALS):
        member = await world.member()
        suspended, deleted = await world.race(
            world.set_status(admin, member, AccountStatus.SUSPENDED), world.delete(member)
        )

        entries = await world.audited(member.user.id)
        user = await world.user(member.user.id)
        problems: list[str] = []
        expect(problems, not unexpected(suspended, NotFoundError), f"suspend {suspended!r}")
        expect(problems, not unexpected(deleted), f"delete raised {deleted!r}")
        expect(
            problems,
            actions(entries).count("user.status_changed") == int(succeeded(suspended)),
            f"suspend {suspended!r} but audited {actions(entries)}",
        )
        expect(
            problems,
            actions(entries).count("user.deleted") == int(succeeded(deleted)),
            f"delete {deleted!r} but audited {actions(entries)}",
        )
        expect(
            problems,
            user.account_status is status_told_by(entries) is AccountStatus.DELETED,
            f"{user.account_status} but audited {status_told_by(entries)}",
        )
        trials.check(problems)
    trials.assert_all_passed()


async def _last_two_admins(world: RaceWorld, survivors: list[Member]) -> tuple[Member, Member]:
    """Two admins who are the only active holders of the lock-out permission: whoever was
    left of the last trial, and new ones."""
    while len(survivors) < 2:
        survivors.append(await world.member("admin"))
    assert await world.holders_of_lockout_permission() == 2
    first, second = survivors
    return first, second


async def _lockout_trials(
    world: RaceWorld,
    name: str,
    step: Callable[[RaceWorld, Member, Member], Awaitable[Outcome]],
    audited_action: str,
) -> None:
    """Each of the last two admins takes the other's (or their own) admin power at once: one
    may succeed, never both, and the audit log says which."""
    trials = Trials(name)
    survivors: list[Member] = []
    for _ in range(TRIALS):
        first, second = await _last_two_admins(world, survivors)
        outcomes = await world.race(step(world, first, second), step(world, second, first))

        problems: list[str] = []
        for outcome in outcomes:
            expect(problems, not unexpected(outcome, ConflictError), f"raised {outcome!r}")
        holders = await world.holders_of_lockout_permission()
        expect(problems, holders == 1, f"{holders} active admins left ({describe(outcomes)})")
        audited = 0
        survivors = []
        for admin in (first, second):
            entries = await world.audited(admin.user.id)
            audited += actions(entries).count(audited_action)
            user = await world.user(admin.user.id)
            still_admin = "admin" in await world.roles_of(admin.user.id)
            kept = user.is_active and still_admin
            told = status_told_by(entries) is AccountStatus.ACTIVE and holds_told_by(
                entries, "admin", initially=True
            )
            expect(problems, kept == told, f"{user.username}: admin {kept}, audited {told}")
            if kept:
                survivors.append(admin)
        expect(
            problems,
            audited == sum(map(succeeded, outcomes)),
            f"audited {audited}x ({describe(outcomes)})",
        )
        trials.check(problems)
        if len(survivors) != 1:
            # Broken: start the next trial from a clean slate of two admins.
            survivors = survivors[:1]
    trials.assert_all_passed()


async def test_the_last_two_admins_revoking_each_other_keep_one(world: RaceWorld) -> None:
    async def revoke(world: RaceWorld, actor: Member, target: Member) -> Outcome:
        return await world.change_role(actor, target, "admin", grant=False)

    await _lockout_trials(world, "revoke each other", revoke, "role.revoked")


async def test_the_last_two_admins_suspending_each_other_keep_one(world: RaceWorld) -> None:
    async def suspend(world: RaceWorld, actor: Member, target: Member) -> Outcome:
        return await world.set_status(actor, target, AccountStatus.SUSPENDED)

    await _lockout_trials(world, "suspend each other", suspend, "user.status_changed")


async def test_the_last_two_admins_deleting_their_accounts_keep_one(world: RaceWorld) -> None:
    async def delete_own(world: RaceWorld, actor: Member, target: Member) -> Outcome:
        return await world.delete(actor)

    await _lockout_trials(world, "delete themselves", delete_own, "user.deleted")


async def test_role_grants_and_revocations_at_once_agree_with_the_audit_log(
    world: RaceWorld,
) -> None:
    trials = Trials("grants and revocations")
    first, second = await world.member("admin"), await world.member("admin")
    for _ in range(TRIALS):
        initially = world.rng.random() < 0.5
        member = await world.member(*(["moderator"] if initially else []))
        # Two different roles granted at once, and one role granted and revoked at once.
        outcomes = await world.race(
            world.change_role(first, member, "premium_user", grant=True),
            world.change_role(second, member, "moderator", grant=not initially),
            world.change_role(first, member, "moderator", grant=initially),
        )

        problems: list[str] = []
        for outcome in outcomes:
            expect(problems, not unexpected(outcome), f"raised {outcome!r}")
        entries = await world.audited(member.user.id)
        held = await world.roles_of(member.user.id)
        for role, before in (("premium_user", False), ("moderator", initially)):
            told = holds_told_by(entries, role, initially=before)
            expect(problems, (role in held) == told, f"{role}: held {held}, audited {told}")
        trials.check(problems)
    trials.assert_all_passed()
