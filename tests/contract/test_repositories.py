"""The UnitOfWork contract and its repositories, run against every adapter of the port.

Plus what only the SQL adapters have: one query for grants, NUL characters and driver
failures as the application's own errors, and the health probe. The SQL token store runs in
the shared TokenStore suite (test_token_store.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import pytest
from sqlalchemy import event, select

from scripthub.adapters.memory import InMemoryDatabase, InMemoryUnitOfWork
from scripthub.adapters.sqlalchemy import (
    SqlAlchemyHealthProbe,
    SqlAlchemyTokenStore,
    SqlAlchemyUnitOfWork,
    create_engine,
    create_session_factory,
)
from scripthub.adapters.sqlalchemy.mapping import audit_entry_from_row
from scripthub.adapters.sqlalchemy.tables import audit_logs
from scripthub.domain.audit import AuditEntry, Outcome
from scripthub.domain.errors import (
    BadRequestError,
    ConflictError,
    EmailTakenError,
    NotFoundError,
    ServiceUnavailableError,
    UsernameTakenError,
)
from scripthub.domain.providers import Provider, ProviderLink
from scripthub.domain.roles import SEEDED_PERMISSIONS, SEEDED_ROLES
from scripthub.domain.sessions import Session
from scripthub.domain.users import (
    AccountStatus,
    Profile,
    User,
    normalize_email,
    normalize_username,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable
    from pathlib import Path

    from sqlalchemy.engine.interfaces import DBAPICursor
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from scripthub.application.ports.unit_of_work import UnitOfWork

T0 = datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC)
CLOSED_PORT_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/scripthub"

MakeUnitOfWork = Callable[[], "UnitOfWork"]
Step = Callable[["UnitOfWork"], "Awaitable[object]"]


class Backend(Protocol):
    def unit_of_work(self) -> UnitOfWork: ...

    async def audit_entries(self) -> list[AuditEntry]:
        """Every committed audit entry (the port has no reader yet)."""

    async def close(self) -> None: ...


class MemoryBackend:
    def __init__(self) -> None:
        self._database = InMemoryDatabase()

    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self._database)

    async def audit_entries(self) -> list[AuditEntry]:
        return sorted(self._database.audit_entries.values(), key=lambda entry: entry.occurred_at)

    async def close(self) -> None:
        pass


class SqlBackend:
    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        self._session_factory = create_session_factory(self._engine)

    def unit_of_work(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self._session_factory)

    async def audit_entries(self) -> list[AuditEntry]:
        async with self._engine.connect() as connection:
            result = await connection.execute(select(audit_logs).order_by(audit_logs.c.occurred_at))
            return [audit_entry_from_row(row) for row in result.mappings()]

    async def close(self) -> None:
        await self._engine.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Backend:
    # Resolved in a synchronous fixture: the database fixtures run their own event loop.
    if request.param == "memory":
        return MemoryBackend()
    return SqlBackend(request.getfixturevalue(f"{request.param}_database_url"))


@pytest.fixture
async def make_uow(backend: Backend) -> AsyncIterator[MakeUnitOfWork]:
    yield backend.unit_of_work
    await backend.close()


def make_user(
    name: str = "alice", *, email: str | None = None, status: AccountStatus = AccountStatus.ACTIVE
) -> User:
    return User(
        id=uuid.uuid4(),
        email=email or f"{name}@example.com",
        username=name,
        password_hash="$2b$12$" + "x" * 53,
        created_at=T0,
        updated_at=T0,
        account_status=status,
        profile=Profile(
            full_name=f"{name.title()} Liddell",
            avatar_url="https://example.com/a.png",
            phone="+44 20 7946 0000",
            bio="Line one\nline two",
            date_of_birth=date(1990, 5, 4),
            location="Oxford",
            website="https://example.com",
        ),
    )


async def committed(make_uow: MakeUnitOfWork, step: Step) -> None:
    """Run `step` in a unit of work and commit it."""
    async with make_uow() as uow:
        await step(uow)
        await uow.commit()


async def add_committed(make_uow: MakeUnitOfWork, *users: User) -> None:
    async with make_uow() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


# Users


async def test_added_user_reads_back_equal_by_id_email_and_username(
    make_uow: MakeUnitOfWork,
) -> None:
    user = make_user()
    bare = dataclasses.replace(make_user("bob"), password_hash=None, profile=Profile())
    await add_committed(make_uow, user, bare)

    async with make_uow() as uow:
        assert await uow.users.get(user.id) == user
        assert await uow.users.get_by_email("alice@example.com") == user
        assert await uow.users.get_by_username("alice") == user
        assert await uow.users.get(bare.id) == bare
        assert await uow.users.get(uuid.uuid4()) is None


async def test_read_timestamps_are_utc_aware(make_uow: MakeUnitOfWork) -> None:
    user = dataclasses.replace(make_user(), email_verified_at=T0 + timedelta(minutes=1))
    await add_committed(make_uow, user)

    async with make_uow() as uow:
        read = await uow.users.get(user.id)

    assert read is not None
    for moment in (read.created_at, read.updated_at, read.email_verified_at):
        assert moment is not None
        assert moment.utcoffset() == timedelta(0)


async def test_lookups_match_the_normalized_email_and_username(make_uow: MakeUnitOfWork) -> None:
    user = make_user(normalize_username(" Alice_1 "), email=normalize_email(" Alice@Example.COM "))
    await add_committed(make_uow, user)

    async with make_uow() as uow:
        assert await uow.users.get_by_email(normalize_email("ALICE@example.com  ")) == user
        assert await uow.users.get_by_username(normalize_username("ALICE_1")) == user
        assert await uow.users.email_in_use("alice@example.com")
        assert await uow.users.username_in_use("alice_1")
        assert await uow.users.get_by_email("alice@example.org") is None
        assert await uow.users.get_by_username("alice_2") is None
        assert not await uow.users.email_in_use("bob@example.com")
        assert not await uow.users.username_in_use("bob")


async def test_username_in_use_can_exclude_its_own_holder(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    await add_committed(make_uow, user)

    async with make_uow() as uow:
        assert not await uow.users.username_in_use("alice", excluding=user.id)
        assert await uow.users.username_in_use("alice", excluding=uuid.uuid4())


async def test_deleted_account_frees_its_email_and_username(make_uow: MakeUnitOfWork) -> None:
    old = make_user()
    await add_committed(make_uow, old)
    async with make_uow() as uow:
        old.account_status = AccountStatus.DELETED
        await uow.users.save(old)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.users.get_by_email("alice@example.com") is None
        assert await uow.users.get_by_username("alice") is None
        assert not await uow.users.email_in_use("alice@example.com")
        assert not await uow.users.username_in_use("alice")
    new = make_user()
    await add_committed(make_uow, new)

    async with make_uow() as uow:
        assert await uow.users.get_by_email("alice@example.com") == new
        assert await uow.users.get(old.id) == old


async def test_second_live_account_with_an_email_is_email_taken(make_uow: MakeUnitOfWork) -> None:
    await add_committed(make_uow, make_user())

    with pytest.raises(EmailTakenError):
        await add_committed(make_uow, make_user("alice2", email="alice@example.com"))
    with pytest.raises(UsernameTakenError):
        await add_committed(make_uow, make_user("alice", email="other@example.com"))

    async with make_uow() as uow:
        assert not await uow.users.username_in_use("alice2")


async def test_save_updates_account_and_profile(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    await add_committed(make_uow, user)
    later = T0 + timedelta(hours=1)

    async with make_uow() as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        stored.username = "alice_renamed"
        stored.email_verified_at = later
        stored.account_status = AccountStatus.SUSPENDED
        stored.updated_at = later
        stored.profile = Profile(full_name="Alice L.", bio=None, location="London")
        await uow.users.save(stored)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.users.get(user.id) == stored
        assert await uow.users.get_by_username("alice") is None


async def test_saving_to_a_taken_username_is_username_taken(make_uow: MakeUnitOfWork) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)

    bob.username = "alice"

    with pytest.raises(UsernameTakenError):
        await committed(make_uow, lambda uow: uow.users.save(bob))


async def test_saving_an_unknown_user_is_not_found(make_uow: MakeUnitOfWork) -> None:
    with pytest.raises(NotFoundError):
        await committed(make_uow, lambda uow: uow.users.save(make_user()))


# Transactions


async def test_leaving_without_commit_rolls_back(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    async with make_uow() as uow:
        await uow.users.add(user)

    async with make_uow() as uow:
        assert await uow.users.get(user.id) is None


async def test_an_error_in_the_block_rolls_back_and_propagates_unchanged(
    make_uow: MakeUnitOfWork,
) -> None:
    user = make_user()

    async def add_then_fail(uow: UnitOfWork) -> None:
        await uow.users.add(user)
        raise LookupError("boom")

    with pytest.raises(LookupError, match="boom"):
        await committed(make_uow, add_then_fail)

    async with make_uow() as uow:
        assert await uow.users.get(user.id) is None


async def test_changes_after_commit_need_another_commit(make_uow: MakeUnitOfWork) -> None:
    committed, dropped = make_user(), make_user("bob")
    async with make_uow() as uow:
        await uow.users.add(committed)
        await uow.commit()
        await uow.users.add(dropped)

    async with make_uow() as uow:
        assert await uow.users.get(committed.id) == committed
        assert await uow.users.get(dropped.id) is None


# Provider links


async def test_provider_links_read_back_oldest_first(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    github = ProviderLink(
        uuid.uuid4(),
        user.id,
        Provider.GITHUB,
        "12345",
        "alice@users.noreply.github.com",
        T0 + timedelta(minutes=5),
        {"login": "alice", "scopes": ["read:user"], "two_factor": True},
    )
    email = ProviderLink(
        uuid.uuid4(), user.id, Provider.EMAIL, str(user.id), "alice@example.com", T0
    )
    async with make_uow() as uow:
        await uow.users.add(user)
        await uow.providers.add(github)
        await uow.providers.add(email)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.providers.list_for_user(user.id) == [email, github]
        assert await uow.providers.list_for_user(uuid.uuid4()) == []


async def test_an_identity_links_to_one_account_only(make_uow: MakeUnitOfWork) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)
    async with make_uow() as uow:
        await uow.providers.add(
            ProviderLink(uuid.uuid4(), alice.id, Provider.GOOGLE, "g-1", None, T0)
        )
        await uow.commit()

    taken = ProviderLink(uuid.uuid4(), bob.id, Provider.GOOGLE, "g-1", None, T0)

    with pytest.raises(ConflictError):
        await committed(make_uow, lambda uow: uow.providers.add(taken))


async def test_link_for_an_unknown_user_is_not_found(make_uow: MakeUnitOfWork) -> None:
    orphan = ProviderLink(uuid.uuid4(), uuid.uuid4(), Provider.GITHUB, "1", None, T0)

    with pytest.raises(NotFoundError):
        await committed(make_uow, lambda uow: uow.providers.add(orphan))


# Roles and permissions


async def test_seeded_roles_and_permissions_are_present(make_uow: MakeUnitOfWork) -> None:
    async with make_uow() as uow:
        for seeded in SEEDED_ROLES:
            role = await uow.roles.get(seeded.name)
            assert role is not None
            assert (role.name, role.description, role.system) == (
                seeded.name,
                seeded.description,
                True,
            )
            assert sorted(role.permissions) == sorted(seeded.permissions)
        assert await uow.roles.get("nobody") is None
        assert await uow.roles.list_permissions() == sorted(
            SEEDED_PERMISSIONS, key=lambda permission: permission.name
        )


async def test_grants_follow_assignments_and_revocations(make_uow: MakeUnitOfWork) -> None:
    user, other = make_user(), make_user("bob")
    await add_committed(make_uow, user, other)

    async with make_uow() as uow:
        assert await uow.roles.roles_of(user.id) == []
        empty = await uow.roles.grants_of(user.id)
        assert (empty.roles, empty.permissions) == (frozenset(), frozenset())
        assert await uow.roles.assign(user.id, "user")
        assert not await uow.roles.assign(user.id, "user")
        assert await uow.roles.assign(user.id, "moderator")
        assert await uow.roles.assign(other.id, "admin")
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.roles.roles_of(user.id) == ["moderator", "user"]
        grants = await uow.roles.grants_of(user.id)
        assert grants.roles == {"moderator", "user"}
        assert grants.permissions == {
            "scripts.create",
            "scripts.read",
            "scripts.update_any",
            "scripts.delete_any",
            "scripts.featured",
            "users.read",
            "audit.read",
        }
        assert grants.allows("audit.read")
        assert not grants.allows("roles.assign")
        assert await uow.roles.revoke(user.id, "moderator")
        assert not await uow.roles.revoke(user.id, "moderator")
        assert not await uow.roles.revoke(user.id, "admin")
        await uow.commit()

    async with make_uow() as uow:
        grants = await uow.roles.grants_of(user.id)
        assert grants.roles == {"user"}
        assert grants.permissions == {"scripts.create", "scripts.read"}
        assert await uow.roles.roles_of(other.id) == ["admin"]


async def test_assigning_an_unknown_role_or_to_an_unknown_user_is_not_found(
    make_uow: MakeUnitOfWork,
) -> None:
    user = make_user()
    await add_committed(make_uow, user)

    async with make_uow() as uow:
        with pytest.raises(NotFoundError):
            await uow.roles.assign(user.id, "wizard")
        with pytest.raises(NotFoundError):
            await uow.roles.assign(uuid.uuid4(), "user")


# Audit trail


async def test_audit_entries_commit_with_the_unit_of_work(
    make_uow: MakeUnitOfWork, backend: Backend
) -> None:
    entry = AuditEntry(
        id=uuid.uuid4(),
        occurred_at=T0,
        actor_id=uuid.uuid4(),
        action="auth.login",
        resource_type="user",
        resource_id="42",
        outcome=Outcome.FAILURE,
        ip_address="2001:db8::1",
        user_agent="curl/8.5",
        metadata={"reason": "invalid_credentials", "attempt": 3, "tags": ["a", "b"]},
    )
    anonymous = dataclasses.replace(
        entry,
        id=uuid.uuid4(),
        occurred_at=T0 + timedelta(seconds=1),
        actor_id=None,
        action="access.denied",
        resource_type=None,
        resource_id=None,
        outcome=Outcome.DENIED,
        ip_address=None,
        user_agent=None,
        metadata={},
    )
    async with make_uow() as uow:
        await uow.audit.record(entry)
        await uow.audit.record(anonymous)
        await uow.commit()
    async with make_uow() as uow:
        await uow.audit.record(dataclasses.replace(entry, id=uuid.uuid4()))

    assert await backend.audit_entries() == [entry, anonymous]


# SQL only: query count, outages, health


async def test_grants_of_is_one_query(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    user = make_user()
    async with SqlAlchemyUnitOfWork(session_factory) as uow:
        await uow.users.add(user)
        await uow.roles.assign(user.id, "admin")
        await uow.commit()
    statements: list[str] = []

    def record(conn: object, cursor: DBAPICursor, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    async with SqlAlchemyUnitOfWork(session_factory) as uow:
        grants = await uow.roles.grants_of(user.id)

    assert len(statements) == 1
    assert grants.permissions == {permission.name for permission in SEEDED_PERMISSIONS}


async def test_nul_characters_in_written_text_are_a_bad_request(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    user = make_user()
    user.profile.bio = "a\x00b"
    link = ProviderLink(uuid.uuid4(), uuid.uuid4(), Provider.GITHUB, "1", None, T0, {"k": ["\x00"]})
    session = Session(uuid.uuid4(), uuid.uuid4(), T0, T0, T0, "agent\x00", None, "email")

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    with pytest.raises(BadRequestError):
        await committed(make_uow, lambda uow: uow.users.add(user))
    with pytest.raises(BadRequestError):
        await committed(make_uow, lambda uow: uow.providers.add(link))
    with pytest.raises(BadRequestError):
        await SqlAlchemyTokenStore(session_factory).create(session, "hash-1")


@pytest.mark.postgres
async def test_nul_characters_in_a_postgres_lookup_are_a_bad_request(
    postgres_database_url: str,
) -> None:
    backend = SqlBackend(postgres_database_url)
    try:
        with pytest.raises(BadRequestError):
            await committed(
                backend.unit_of_work, lambda uow: uow.roles.revoke(uuid.uuid4(), "a\x00")
            )
    finally:
        await backend.close()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(CLOSED_PORT_URL, id="postgres-closed-port"),
        pytest.param("sqlite+aiosqlite:///{tmp}/missing/dir/scripthub.db", id="sqlite-no-folder"),
    ],
)
async def test_unreachable_database_is_service_unavailable(url: str, tmp_path: Path) -> None:
    engine = create_engine(url.format(tmp=tmp_path))
    session_factory = create_session_factory(engine)
    store = SqlAlchemyTokenStore(session_factory)
    entry = AuditEntry(uuid.uuid4(), T0, None, "x", None, None, Outcome.SUCCESS, None, None)

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    try:
        with pytest.raises(ServiceUnavailableError):
            await committed(make_uow, lambda uow: uow.users.get_by_email("alice@example.com"))
        with pytest.raises(ServiceUnavailableError):
            await committed(make_uow, lambda uow: uow.audit.record(entry))
        with pytest.raises(ServiceUnavailableError):
            await store.is_active(uuid.uuid4(), T0)
        assert not await SqlAlchemyHealthProbe(engine).healthy()
    finally:
        await engine.dispose()
        # aiosqlite stops the worker thread of a failed connection without waiting for it;
        # the thread must finish while this test's event loop still runs.
        await asyncio.to_thread(join_aiosqlite_threads)


def join_aiosqlite_threads() -> None:
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=5)


async def test_health_probe_reports_a_live_database(engine: AsyncEngine) -> None:
    assert await SqlAlchemyHealthProbe(engine).healthy()
