"""Sessions end when the account says so: a committed password change, reset, suspension or
deletion ends the other sessions even if the stores fail between the commit and the
revocation (the account's session epoch, committed with the change, decides)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from scripthub.application.accounts import OwnUser, Principal
from scripthub.application.auth.change_password import ChangePasswordCommand
from scripthub.application.auth.end_session import EndSessionCommand
from scripthub.application.auth.list_sessions import ListSessionsQuery
from scripthub.application.auth.refresh_session import RefreshSessionCommand
from scripthub.application.auth.request_password_reset import RequestPasswordResetCommand
from scripthub.application.auth.reset_password import ResetPasswordCommand
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.users.change_account_status import ChangeAccountStatusCommand
from scripthub.application.users.delete_own_account import DeleteOwnAccountCommand
from scripthub.application.users.set_password import SetUserPasswordCommand
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    AccountSuspendedError,
    InvalidCredentialsError,
    NotFoundError,
    RefreshTokenInvalidError,
    ServiceUnavailableError,
    SessionRevokedError,
)
from scripthub.domain.users import AccountStatus
from tests.fakes.roles import InMemoryRoleRepository
from tests.fakes.unit_of_work import InMemoryUnitOfWork
from tests.unit.world import PASSWORD, World

NEW_PASSWORD = "a wholly new passphrase"


class StoreOutage:
    """Makes the session store and the permission cache fail from the moment a unit of work
    commits (`after_commit`), or at once (`now`)."""

    def __init__(self, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
        self.failing = False
        self.armed = False
        for store, names in (
            (world.session_store, ("revoke_all", "revoke", "reissue", "create")),
            (world.permission_cache, ("invalidate_user", "hold_user", "store")),
        ):
            for name in names:
                monkeypatch.setattr(store, name, self._failing_when_down(getattr(store, name)))
        commit = InMemoryUnitOfWork.commit

        async def commit_then_fail(uow: InMemoryUnitOfWork) -> None:
            await commit(uow)
            self.failing = self.failing or self.armed

        monkeypatch.setattr(InMemoryUnitOfWork, "commit", commit_then_fail)

    def _failing_when_down(
        self, method: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.failing:
                raise ServiceUnavailableError("cache unavailable")
            return await method(*args, **kwargs)

        return call

    def after_commit(self) -> None:
        self.armed = True

    def now(self) -> None:
        self.failing = True

    def over(self) -> None:
        self.failing = self.armed = False


@pytest.fixture
def outage(world: World, monkeypatch: pytest.MonkeyPatch) -> StoreOutage:
    return StoreOutage(world, monkeypatch)


async def assert_ended(world: World, pair: Any) -> None:
    """Neither token of `pair` works any more, and its session is not listed or endable."""
    with pytest.raises(SessionRevokedError):
        await world.principal(pair)
    with pytest.raises((RefreshTokenInvalidError, AccountSuspendedError)):
        await world.refresh_session().execute(RefreshSessionCommand(pair.refresh_token))


async def assert_not_listed(world: World, viewer: Principal, ended: Principal) -> None:
    views = await world.list_sessions().execute(ListSessionsQuery(viewer))
    assert ended.session_id not in {view.session.id for view in views}
    with pytest.raises(NotFoundError):
        await world.end_session().execute(EndSessionCommand(viewer, ended.session_id))


async def test_a_password_change_ends_the_other_sessions_though_the_store_fails_after_commit(
    world: World, outage: StoreOutage
) -> None:
    pair = await world.register()
    other = await world.login()
    # Cached before the change, as the hot path would have it.
    principal = await world.principal(pair)
    other_principal = await world.principal(other)
    outage.after_commit()

    with pytest.raises(ServiceUnavailableError):
        # Committed; only moving the caller's own session to the new epoch failed.
        await world.change_password().execute(
            ChangePasswordCommand(principal, PASSWORD, NEW_PASSWORD)
        )
    outage.over()

    await assert_ended(world, other)
    await assert_ended(world, pair)
    fresh = await world.login(password=NEW_PASSWORD)
    await assert_not_listed(world, await world.principal(fresh), other_principal)


async def test_a_password_change_keeps_the_callers_session_on_the_new_epoch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = await world.register()
    other = await world.login()
    principal = await world.principal(pair)
    other_principal = await world.principal(other)
    # Only the revocation is lost: the caller's session is still moved on.
    monkeypatch.setattr(world.session_store, "revoke_all", _unavailable)

    fresh = await world.change_password().execute(
        ChangePasswordCommand(principal, PASSWORD, NEW_PASSWORD)
    )

    renewed = await world.principal(fresh)
    assert renewed.session_id == principal.session_id
    assert await world.refresh_session().execute(RefreshSessionCommand(fresh.refresh_token))
    await assert_ended(world, other)
    await assert_not_listed(world, renewed, other_principal)


async def _unavailable(*_: Any, **__: Any) -> Any:
    raise ServiceUnavailableError("cache unavailable")


async def reset_token(world: World) -> str:
    await world.request_password_reset().execute(RequestPasswordResetCommand("ada@example.com"))
    link = (await world.delivered_links("reset-password"))[-1]
    return link.split("token=", 1)[1]


async def test_a_reset_ends_every_session_and_answers_done_though_the_store_fails_after_commit(
    world: World, outage: StoreOutage
) -> None:
    pair = await world.register()
    await world.principal(pair)
    token = await reset_token(world)
    outage.after_commit()

    await world.reset_password().execute(ResetPasswordCommand(token, NEW_PASSWORD))
    outage.over()

    await assert_ended(world, pair)
    assert await world.login(password=NEW_PASSWORD)


async def test_a_reset_the_cache_refuses_before_commit_leaves_its_link_usable(
    world: World, outage: StoreOutage
) -> None:
    pair = await world.register()
    token = await reset_token(world)
    outage.now()

    with pytest.raises(ServiceUnavailableError):
        await world.reset_password().execute(ResetPasswordCommand(token, NEW_PASSWORD))
    outage.over()

    assert await world.principal(pair)
    assert await world.login()
    await world.reset_password().execute(ResetPasswordCommand(token, NEW_PASSWORD))
    await assert_ended(world, pair)


async def test_a_suspension_ends_every_session_though_the_store_fails_after_commit(
    world: World, outage: StoreOutage
) -> None:
    admin = await world.admin()
    pair = await world.register()
    member = await world.principal(pair)
    outage.after_commit()

    await world.change_account_status().execute(
        ChangeAccountStatusCommand(admin, member.user_id, AccountStatus.SUSPENDED)
    )
    outage.over()

    await assert_ended(world, pair)


async def test_a_deletion_ends_every_session_though_the_store_fails_after_commit(
    world: World, outage: StoreOutage
) -> None:
    pair = await world.register()
    member = await world.principal(pair)
    outage.after_commit()

    await world.delete_own_account().execute(DeleteOwnAccountCommand(member, PASSWORD))
    outage.over()

    await assert_ended(world, pair)


async def test_an_operator_set_password_ends_every_session_though_the_store_fails(
    world: World, outage: StoreOutage
) -> None:
    admin = await world.admin()
    pair = await world.register()
    await world.principal(pair)
    outage.after_commit()

    await world.set_user_password().execute(
        SetUserPasswordCommand(admin, "ada@example.com", NEW_PASSWORD)
    )
    outage.over()

    await assert_ended(world, pair)


async def test_a_login_that_read_the_account_before_a_change_gets_a_session_that_ends(
    world: World,
) -> None:
    pair = await world.register()
    principal = await world.principal(pair)
    stale = world.database.users[principal.user_id]
    await world.change_password().execute(ChangePasswordCommand(principal, PASSWORD, NEW_PASSWORD))
    # A login that loaded the account (and checked the old password) just before the change
    # committed starts its session afterwards: the session carries the epoch it read.
    late = await world.sessions.start(
        OwnUser(stale, ["user"], ["email"]), RequestContext(), "email"
    )

    with pytest.raises(SessionRevokedError):
        await world.principal(late)


async def test_a_request_reading_the_old_epoch_just_before_the_commit_cannot_cache_it(
    world: World, outage: StoreOutage, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = await world.register()
    other = await world.login()
    principal = await world.principal(pair)
    await world.principal(other)
    committed = asyncio.Event()
    racing: list[asyncio.Task[Principal]] = []
    access_of = InMemoryRoleRepository.access_of
    before_commit = SessionEnding.before_commit

    async def read_until_committed(repository: InMemoryRoleRepository, user_id: Any) -> Any:
        # The unit of work opened before the commit: it sees the old epoch.
        found = await access_of(repository, user_id)
        await committed.wait()
        return found

    async def then_a_request(ending: SessionEnding, user_id: uuid.UUID, **tokens: Any) -> None:
        await before_commit(ending, user_id, **tokens)
        racing.append(asyncio.create_task(world.principal(other)))
        await asyncio.sleep(0)  # it misses the cache and reads the database

    commit = InMemoryUnitOfWork.commit

    async def commit_and_tell(uow: InMemoryUnitOfWork) -> None:
        await commit(uow)
        committed.set()
        # Redis goes after the racing request has cached what it read.
        await asyncio.sleep(0)
        outage.now()

    monkeypatch.setattr(InMemoryRoleRepository, "access_of", read_until_committed)
    monkeypatch.setattr(SessionEnding, "before_commit", then_a_request)
    monkeypatch.setattr(InMemoryUnitOfWork, "commit", commit_and_tell)

    with pytest.raises(ServiceUnavailableError):
        await world.change_password().execute(
            ChangePasswordCommand(principal, PASSWORD, NEW_PASSWORD)
        )
    # Concurrent with the change, that request may pass; no later one may.
    assert (await racing[0]).session_id != principal.session_id
    outage.over()

    await assert_ended(world, other)


@pytest.mark.parametrize("trial", range(40))
async def test_a_login_racing_a_password_change_never_outlives_it(world: World, trial: int) -> None:
    pair = await world.register()
    principal = await world.principal(pair)
    rng = random.Random(trial)

    async def log_in() -> Any:
        # Spread over the change's two bcrypt runs, its commit and its revocation.
        await asyncio.sleep(rng.uniform(0, 0.008))
        try:
            return await world.login()
        except InvalidCredentialsError:
            return None

    async def change() -> None:
        await world.change_password().execute(
            ChangePasswordCommand(principal, PASSWORD, NEW_PASSWORD)
        )

    late, _ = await asyncio.gather(log_in(), change())

    # Signed in with the old password: whenever its session started, it has ended.
    if late is not None:
        await assert_ended(world, late)
