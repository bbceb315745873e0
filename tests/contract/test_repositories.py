"""The UnitOfWork contract and its repositories, run against every adapter of the port.

Plus what only the SQL adapters have: one query per read, newest-first pages read in index
order, derived columns (permission resource and action, role version), cascades of a deleted
role, a concurrent duplicate as a conflict, NUL characters and driver failures as the
application's own errors, and the health probe. The SQL token store runs in the shared
SessionStore suite (test_session_store.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pytest
from sqlalchemy import event, func, select, text

from scripthub.adapters.sqlalchemy import (
    SqlAlchemyHealthProbe,
    SqlAlchemySessionStore,
    SqlAlchemyUnitOfWork,
    create_engine,
)
from scripthub.adapters.sqlalchemy.account_reader import SqlAlchemyAccountReader
from scripthub.adapters.sqlalchemy.roles_table import (
    permissions,
    role_permissions,
    roles,
    user_roles,
)
from scripthub.application.ports.audit import AuditQuery
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.users import UserQuery
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
from scripthub.domain.roles import SEEDED_PERMISSIONS, SEEDED_ROLES, Permission, Role
from scripthub.domain.sessions import Session
from scripthub.domain.users import (
    AccountStatus,
    Profile,
    User,
    normalize_email,
    normalize_username,
)
from tests.fakes import InMemoryDatabase, InMemoryUnitOfWork
from tests.fakes.account_reader import InMemoryAccountReader

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Iterator
    from pathlib import Path

    from sqlalchemy.engine.interfaces import DBAPICursor
    from sqlalchemy.ext.asyncio import AsyncEngine

    from scripthub.application.ports.account_reader import AccountReader
    from scripthub.application.ports.unit_of_work import UnitOfWork

T0 = datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC)
CLOSED_PORT_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/scripthub"

MakeUnitOfWork = Callable[[], "UnitOfWork"]
Step = Callable[["UnitOfWork"], "Awaitable[object]"]
Row = TypeVar("Row", User, AuditEntry)


class Backend(Protocol):
    def unit_of_work(self) -> UnitOfWork: ...

    def account_reader(self) -> AccountReader: ...

    async def close(self) -> None: ...


class MemoryBackend:
    def __init__(self) -> None:
        self._database = InMemoryDatabase()

    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self._database)

    def account_reader(self) -> AccountReader:
        return InMemoryAccountReader(self._database)

    async def close(self) -> None:
        pass


class SqlBackend:
    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)

    def unit_of_work(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self._engine)

    def account_reader(self) -> AccountReader:
        return SqlAlchemyAccountReader(self._engine)

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


def make_entry(
    action: str = "auth.login",
    *,
    at: datetime = T0,
    actor_id: uuid.UUID | None = None,
    resource: tuple[str | None, str | None] = ("user", "42"),
    outcome: Outcome = Outcome.SUCCESS,
) -> AuditEntry:
    return AuditEntry(
        id=uuid.uuid4(),
        occurred_at=at,
        actor_id=actor_id,
        action=action,
        resource_type=resource[0],
        resource_id=resource[1],
        outcome=outcome,
        ip_address="192.0.2.1",
        user_agent="pytest",
        metadata={"reason": "test", "attempt": 2, "tags": ["a"], "nested": {"none": None}},
    )


async def record_committed(make_uow: MakeUnitOfWork, *entries: AuditEntry) -> None:
    async with make_uow() as uow:
        for entry in entries:
            await uow.audit.record(entry)
        await uow.commit()


def staggered(count: int) -> list[datetime]:
    """Timestamps for `count` rows, most of them shared: ties must page like any other rows."""
    spread = [T0, T0, T0, T0 + timedelta(seconds=1), T0 - timedelta(microseconds=1)]
    return [spread[i % len(spread)] for i in range(count)]


def newest_first(rows: list[Row], at: Callable[[Row], datetime]) -> list[Row]:
    return sorted(rows, key=lambda row: (at(row), row.id), reverse=True)


async def every_page(
    search: Callable[[Keyset | None], Awaitable[list[Row]]], at: Callable[[Row], datetime]
) -> list[list[Row]]:
    """The pages of `search`, each asked for after the last row of the one before."""
    pages = [await search(None)]
    while pages[-1]:
        last = pages[-1][-1]
        pages.append(await search(Keyset(at(last), last.id)))
    return pages


def user_created_at(user: User) -> datetime:
    return user.created_at


def entry_occurred_at(entry: AuditEntry) -> datetime:
    return entry.occurred_at


@contextlib.contextmanager
def recorded_statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements sent through `engine` within the block, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def record(
        conn: object, cursor: DBAPICursor, statement: str, parameters: Any, *args: object
    ) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


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


async def test_search_pages_users_of_any_status_newest_first_through_ties(
    make_uow: MakeUnitOfWork,
) -> None:
    statuses = [AccountStatus.ACTIVE, AccountStatus.SUSPENDED, AccountStatus.DELETED]
    users = [
        dataclasses.replace(make_user(f"user{i}", status=statuses[i % 3]), created_at=at)
        for i, at in enumerate(staggered(8))
    ]
    await add_committed(make_uow, *users)

    async with make_uow() as uow:
        pages = await every_page(
            lambda after: uow.users.search(UserQuery(after=after, limit=3)), user_created_at
        )

    assert [len(page) for page in pages] == [3, 3, 2, 0]
    assert [user for page in pages for user in page] == newest_first(users, user_created_at)


async def test_search_after_a_keyset_starts_strictly_after_it(make_uow: MakeUnitOfWork) -> None:
    older = dataclasses.replace(make_user("older"), created_at=T0 - timedelta(seconds=1))
    tied = [make_user(f"tied{i}") for i in range(3)]
    await add_committed(make_uow, older, *tied)
    middle = sorted(user.id for user in tied)[1]

    async def ids_after(at: datetime, user_id: uuid.UUID) -> list[uuid.UUID]:
        found = await uow.users.search(UserQuery(after=Keyset(at, user_id)))
        return [user.id for user in found]

    async with make_uow() as uow:
        assert await ids_after(T0, middle) == [min(user.id for user in tied), older.id]
        assert await ids_after(T0, uuid.UUID(int=0)) == [older.id]
        assert await ids_after(T0 + timedelta(microseconds=1), uuid.UUID(int=0)) == [
            *sorted((user.id for user in tied), reverse=True),
            older.id,
        ]
        assert await ids_after(T0 - timedelta(seconds=1), older.id) == []


async def test_search_text_is_a_case_insensitive_part_of_email_or_username(
    make_uow: MakeUnitOfWork,
) -> None:
    alice = make_user("alice")
    bob = make_user("bob", email="bob@wonder.land")
    carol = make_user("carol", email="c.white@example.com")
    await add_committed(make_uow, alice, bob, carol)

    async def names(text: str) -> set[str]:
        return {user.username for user in await uow.users.search(UserQuery(text=text))}

    async with make_uow() as uow:
        assert await names("ALICE") == {"alice"}
        assert await names("Wonder.") == {"bob"}
        assert await names("ARO") == {"carol"}
        assert await names("EXAMPLE.com") == {"alice", "carol"}
        assert await names("") == {"alice", "bob", "carol"}
        assert await names("dave") == set()


async def test_search_text_matches_like_wildcards_literally(make_uow: MakeUnitOfWork) -> None:
    marks = {"percent": "%", "underscore": "_", "backslash": "\\", "slash": "/", "plain": "x"}
    await add_committed(
        make_uow,
        *(make_user(name, email=f"a{mark}b@example.com") for name, mark in marks.items()),
    )

    async def names(text: str) -> set[str]:
        return {user.username for user in await uow.users.search(UserQuery(text=text))}

    async with make_uow() as uow:
        for name, mark in marks.items():
            assert await names(f"a{mark}b") == {name}, mark
        assert await names("%") == {"percent"}
        assert await names("_") == {"underscore"}
        assert await names("\\") == {"backslash"}
        assert await names("a%") == {"percent"}
        assert await names("a_b@") == {"underscore"}


async def test_search_filters_by_status(make_uow: MakeUnitOfWork) -> None:
    alice = make_user("alice")
    bob = make_user("bob", status=AccountStatus.SUSPENDED)
    carol = make_user("carol", status=AccountStatus.DELETED)
    await add_committed(make_uow, alice, bob, carol)

    async def names(query: UserQuery) -> set[str]:
        return {user.username for user in await uow.users.search(query)}

    async with make_uow() as uow:
        assert await names(UserQuery()) == {"alice", "bob", "carol"}
        assert await names(UserQuery(status=AccountStatus.ACTIVE)) == {"alice"}
        assert await names(UserQuery(status=AccountStatus.SUSPENDED)) == {"bob"}
        assert await names(UserQuery(status=AccountStatus.DELETED)) == {"carol"}
        assert await names(UserQuery(text="CAR", status=AccountStatus.DELETED)) == {"carol"}
        assert await names(UserQuery(text="carol", status=AccountStatus.ACTIVE)) == set()


async def test_search_sees_staged_users(make_uow: MakeUnitOfWork) -> None:
    async with make_uow() as uow:
        await uow.users.add(make_user())
        assert [user.username for user in await uow.users.search(UserQuery())] == ["alice"]


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
        await uow.provider_links.add(github)
        await uow.provider_links.add(email)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.provider_links.list_for_user(user.id) == [email, github]
        assert await uow.provider_links.list_for_user(uuid.uuid4()) == []


async def test_an_identity_links_to_one_account_only(make_uow: MakeUnitOfWork) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)
    async with make_uow() as uow:
        await uow.provider_links.add(
            ProviderLink(uuid.uuid4(), alice.id, Provider.GOOGLE, "g-1", None, T0)
        )
        await uow.commit()

    taken = ProviderLink(uuid.uuid4(), bob.id, Provider.GOOGLE, "g-1", None, T0)

    with pytest.raises(ConflictError):
        await committed(make_uow, lambda uow: uow.provider_links.add(taken))


async def test_link_for_an_unknown_user_is_not_found(make_uow: MakeUnitOfWork) -> None:
    orphan = ProviderLink(uuid.uuid4(), uuid.uuid4(), Provider.GITHUB, "1", None, T0)

    with pytest.raises(NotFoundError):
        await committed(make_uow, lambda uow: uow.provider_links.add(orphan))


async def test_provider_names_of_many_names_each_users_providers_sorted(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)
    async with make_uow() as uow:
        for provider in (Provider.GITHUB, Provider.EMAIL, Provider.DISCORD):
            await uow.provider_links.add(
                ProviderLink(uuid.uuid4(), alice.id, provider, f"{provider}-1", None, T0)
            )
        await uow.commit()
    nobody = uuid.uuid4()

    async with make_uow() as uow:
        assert await uow.provider_links.provider_names_of_many([alice.id, bob.id, nobody]) == {
            alice.id: ["discord", "email", "github"],
            bob.id: [],
            nobody: [],
        }
        assert await uow.provider_links.provider_names_of_many([]) == {}


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
            assert role.permissions == sorted(seeded.permissions)
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


async def test_roles_of_many_names_each_users_roles_sorted(make_uow: MakeUnitOfWork) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)
    async with make_uow() as uow:
        for role in ("user", "admin", "moderator"):
            await uow.roles.assign(alice.id, role)
        await uow.commit()
    nobody = uuid.uuid4()

    async with make_uow() as uow:
        assert await uow.roles.roles_of_many([alice.id, bob.id, nobody]) == {
            alice.id: ["admin", "moderator", "user"],
            bob.id: [],
            nobody: [],
        }
        assert await uow.roles.roles_of_many([]) == {}


async def test_list_roles_holds_every_role_by_name_with_sorted_permissions(
    make_uow: MakeUnitOfWork,
) -> None:
    seeded = [
        Role(role.name, role.description, role.system, sorted(role.permissions))
        for role in SEEDED_ROLES
    ]

    async with make_uow() as uow:
        assert await uow.roles.list_roles() == sorted(seeded, key=lambda role: role.name)


async def test_a_new_role_starts_bare_and_set_permissions_replaces_its_permissions(
    make_uow: MakeUnitOfWork,
) -> None:
    async with make_uow() as uow:
        await uow.roles.add_role(Role("editor", "Edits scripts", False, ["scripts.read"]))
        assert await uow.roles.get("editor") == Role("editor", "Edits scripts", False, [])
        await uow.roles.set_permissions(
            "editor", ["scripts.update_any", "audit.read", "scripts.update_any"]
        )
        await uow.commit()
    async with make_uow() as uow:
        editor = await uow.roles.get("editor")
        assert editor is not None
        assert editor.permissions == ["audit.read", "scripts.update_any"]
        await uow.roles.set_permissions("editor", ["users.read"])
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.roles.get("editor") == Role(
            "editor", "Edits scripts", False, ["users.read"]
        )
        assert [role.name for role in await uow.roles.list_roles()] == [
            "admin",
            "editor",
            "moderator",
            "premium_user",
            "user",
        ]
        await uow.roles.set_permissions("editor", [])
        assert await uow.roles.get("editor") == Role("editor", "Edits scripts", False, [])


async def test_a_taken_role_name_is_a_conflict(make_uow: MakeUnitOfWork) -> None:
    with pytest.raises(ConflictError, match="moderator"):
        await committed(make_uow, lambda uow: uow.roles.add_role(Role("moderator", "", False, [])))

    async with make_uow() as uow:
        await uow.roles.add_role(Role("editor", "Edits", False, []))
        with pytest.raises(ConflictError, match="editor"):
            await uow.roles.add_role(Role("editor", "Edits again", False, []))


async def test_set_permissions_of_an_unknown_role_or_permission_is_not_found(
    make_uow: MakeUnitOfWork,
) -> None:
    async with make_uow() as uow:
        with pytest.raises(NotFoundError, match=r"'b\.nope'"):
            await uow.roles.set_permissions("user", ["z.nope", "users.read", "b.nope"])
        with pytest.raises(NotFoundError, match="'wizard'"):
            await uow.roles.set_permissions("wizard", ["users.read"])
        user = await uow.roles.get("user")
        assert user is not None
        assert user.permissions == ["scripts.create", "scripts.read"]


async def test_deleting_a_role_takes_it_from_its_holders(make_uow: MakeUnitOfWork) -> None:
    alice = make_user()
    await add_committed(make_uow, alice)
    async with make_uow() as uow:
        await uow.roles.add_role(Role("editor", "Edits", False, []))
        await uow.roles.set_permissions("editor", ["users.read", "scripts.update_any"])
        await uow.roles.assign(alice.id, "editor")
        await uow.roles.assign(alice.id, "user")
        await uow.commit()

    await committed(make_uow, lambda uow: uow.roles.delete_role("editor"))

    async with make_uow() as uow:
        assert await uow.roles.get("editor") is None
        assert "editor" not in {role.name for role in await uow.roles.list_roles()}
        assert await uow.roles.roles_of(alice.id) == ["user"]
        assert (await uow.roles.grants_of(alice.id)).permissions == {
            "scripts.create",
            "scripts.read",
        }
        assert await uow.roles.count_active_holders("users.read") == 0
        with pytest.raises(NotFoundError, match="'editor'"):
            await uow.roles.delete_role("editor")
        await uow.roles.add_role(Role("editor", "Edits anew", False, []))
        assert await uow.roles.get("editor") == Role("editor", "Edits anew", False, [])
        assert await uow.roles.roles_of(alice.id) == ["user"]


async def test_added_permissions_are_listed_and_a_taken_name_is_a_conflict(
    make_uow: MakeUnitOfWork,
) -> None:
    reports = Permission("reports.read", "Read reports")
    await committed(make_uow, lambda uow: uow.roles.add_permission(reports))

    async with make_uow() as uow:
        assert await uow.roles.list_permissions() == sorted(
            [*SEEDED_PERMISSIONS, reports], key=lambda permission: permission.name
        )
        with pytest.raises(ConflictError, match=r"'reports\.read'"):
            await uow.roles.add_permission(Permission("reports.read", "Again"))
        await uow.roles.set_permissions("user", ["reports.read"])
        user = await uow.roles.get("user")
        assert user is not None
        assert user.permissions == ["reports.read"]


async def test_count_active_holders_counts_active_users_once_and_sees_staged_changes(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob, erin = make_user("alice"), make_user("bob"), make_user("erin")
    carol = make_user("carol", status=AccountStatus.SUSPENDED)
    dave = make_user("dave", status=AccountStatus.DELETED)
    await add_committed(make_uow, alice, bob, carol, dave, erin)
    async with make_uow() as uow:
        for user, role in [
            (alice, "user"),
            (bob, "moderator"),
            (bob, "admin"),
            (carol, "admin"),
            (dave, "moderator"),
        ]:
            await uow.roles.assign(user.id, role)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.roles.count_active_holders("users.read") == 1
        assert await uow.roles.count_active_holders("scripts.read") == 2
        assert await uow.roles.count_active_holders("roles.assign") == 1
        assert await uow.roles.count_active_holders("no.such") == 0

    async with make_uow() as uow:
        bob.account_status = AccountStatus.SUSPENDED
        await uow.users.save(bob)
        assert await uow.roles.count_active_holders("users.read") == 0
        await uow.roles.assign(erin.id, "moderator")
        assert await uow.roles.count_active_holders("users.read") == 1
        await uow.roles.set_permissions("user", ["scripts.read", "users.read"])
        assert await uow.roles.count_active_holders("users.read") == 2
        await uow.roles.revoke(erin.id, "moderator")
        assert await uow.roles.count_active_holders("users.read") == 1

    async with make_uow() as uow:
        assert await uow.roles.count_active_holders("users.read") == 1
        bob.account_status = AccountStatus.DELETED
        await uow.users.save(bob)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.roles.count_active_holders("roles.assign") == 0
        assert await uow.roles.count_active_holders("scripts.read") == 1


# Audit trail


async def test_audit_entries_commit_with_the_unit_of_work(make_uow: MakeUnitOfWork) -> None:
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
        assert len(await uow.audit.search(AuditQuery())) == 3

    async with make_uow() as uow:
        assert await uow.audit.search(AuditQuery()) == [anonymous, entry]


async def test_audit_search_pages_newest_first_through_ties(make_uow: MakeUnitOfWork) -> None:
    entries = [make_entry(at=at) for at in staggered(7)]
    await record_committed(make_uow, *entries)

    async with make_uow() as uow:
        pages = await every_page(
            lambda after: uow.audit.search(AuditQuery(after=after, limit=3)), entry_occurred_at
        )

    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert [entry for page in pages for entry in page] == newest_first(entries, entry_occurred_at)


async def test_audit_search_ands_every_filter(make_uow: MakeUnitOfWork) -> None:
    ann, ben = uuid.uuid4(), uuid.uuid4()
    minute = timedelta(minutes=1)
    login = make_entry(actor_id=ann, resource=("user", "1"))
    failed = make_entry(
        at=T0 + minute, actor_id=ann, resource=("user", "1"), outcome=Outcome.FAILURE
    )
    assigned = make_entry("role.assigned", at=T0 + 2 * minute, actor_id=ben, resource=("user", "2"))
    denied = make_entry(
        "access.denied", at=T0 + 3 * minute, resource=(None, None), outcome=Outcome.DENIED
    )
    await record_committed(make_uow, login, failed, assigned, denied)

    async def search(**filters: object) -> list[AuditEntry]:
        return await uow.audit.search(dataclasses.replace(AuditQuery(), **filters))

    async with make_uow() as uow:
        assert await search() == [denied, assigned, failed, login]
        assert await search(actor_id=ann) == [failed, login]
        assert await search(action="auth.login", outcome=Outcome.FAILURE) == [failed]
        assert await search(outcome=Outcome.DENIED) == [denied]
        assert await search(resource_type="user") == [assigned, failed, login]
        assert await search(resource_type="user", resource_id="1") == [failed, login]
        assert await search(resource_id="2") == [assigned]
        assert await search(since=T0 + minute) == [denied, assigned, failed]
        assert await search(until=T0 + minute) == [login]
        assert await search(since=T0 + minute, until=T0 + 3 * minute) == [assigned, failed]
        assert await search(actor_id=ann, since=T0 + minute) == [failed]
        assert await search(actor_id=ben, action="auth.login") == []
        assert await search(limit=2, after=Keyset(failed.occurred_at, failed.id)) == [login]


# SQL only: query count, outages, health


async def test_each_read_is_one_query(engine: AsyncEngine) -> None:
    users = [make_user(f"user{i}") for i in range(3)]
    async with SqlAlchemyUnitOfWork(engine) as uow:
        for user in users:
            await uow.users.add(user)
            link = ProviderLink(uuid.uuid4(), user.id, Provider.GITHUB, str(user.id), None, T0)
            await uow.provider_links.add(link)
            await uow.roles.assign(user.id, "user")
            await uow.roles.assign(user.id, "moderator")
            await uow.audit.record(make_entry(actor_id=user.id))
        for name in ("editor", "reviewer"):
            await uow.roles.add_role(Role(name, name, False, []))
            await uow.roles.set_permissions(name, ["scripts.read", "users.read"])
        await uow.commit()
    ids = [user.id for user in users]
    after = Keyset(T0 + timedelta(days=1), uuid.uuid4())
    audit_query = AuditQuery(ids[0], "auth.login", "user", "42", Outcome.SUCCESS, T0, None, after)
    reads: dict[str, Step] = {
        "users.search": lambda uow: uow.users.search(
            UserQuery(text="USER", status=AccountStatus.ACTIVE, after=after)
        ),
        "providers.provider_names_of_many": lambda uow: uow.provider_links.provider_names_of_many(
            ids
        ),
        "roles.roles_of_many": lambda uow: uow.roles.roles_of_many(ids),
        "roles.list_roles": lambda uow: uow.roles.list_roles(),
        "roles.grants_of": lambda uow: uow.roles.grants_of(ids[0]),
        "audit.search": lambda uow: uow.audit.search(audit_query),
    }

    async with SqlAlchemyUnitOfWork(engine) as uow:
        for name, read in reads.items():
            with recorded_statements(engine) as statements:
                assert await read(uow), name
            assert len(statements) == 1, name


async def test_newest_first_pages_are_read_in_index_order(engine: AsyncEngine) -> None:
    after = Keyset(T0, uuid.uuid4())
    async with SqlAlchemyUnitOfWork(engine) as uow:
        with recorded_statements(engine) as statements:
            await uow.users.search(UserQuery(after=after))
            await uow.audit.search(AuditQuery(after=after))

    users_plan, audit_plan = [await query_plan(engine, *statement) for statement in statements]

    assert "ix_users_created_at_id" in users_plan
    assert "ix_audit_logs_occurred_at_id" in audit_plan
    for plan in (users_plan, audit_plan):
        # PostgreSQL says "Sort"; SQLite "USE TEMP B-TREE FOR ORDER BY".
        assert "Sort" not in plan
        assert "TEMP B-TREE" not in plan


async def query_plan(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Tables this small are cheaper to scan whole; the question is whether the index
            # can serve the order at all.
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        else:
            result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in result)


async def test_role_and_permission_rows_carry_their_derived_columns(engine: AsyncEngine) -> None:
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.roles.add_permission(Permission("reports.read", "Read reports"))
        await uow.roles.add_role(Role("editor", "Edits", False, []))
        await uow.roles.set_permissions("editor", ["reports.read"])
        await uow.roles.set_permissions("editor", ["reports.read", "users.read"])
        await uow.commit()

    async with engine.connect() as connection:
        permission = await connection.execute(
            select(permissions.c.resource, permissions.c.action).where(
                permissions.c.name == "reports.read"
            )
        )
        version = await connection.execute(select(roles.c.version).where(roles.c.name == "editor"))
        assert tuple(permission.one()) == ("reports", "read")
        assert version.scalar_one() == 3


async def test_deleting_a_role_leaves_no_rows_of_it(engine: AsyncEngine) -> None:
    user = make_user()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.users.add(user)
        await uow.roles.assign(user.id, "moderator")
        await uow.commit()
    async with engine.connect() as connection:
        found = await connection.execute(select(roles.c.id).where(roles.c.name == "moderator"))
        role_id = found.scalar_one()

    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.roles.delete_role("moderator")
        await uow.commit()

    async with engine.connect() as connection:
        for table in (user_roles, role_permissions):
            left = await connection.execute(
                select(func.count()).select_from(table).where(table.c.role_id == role_id)
            )
            assert left.scalar_one() == 0, table.name


@pytest.mark.postgres
async def test_a_role_added_by_a_concurrent_transaction_is_a_conflict(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url)
    editor = Role("editor", "Edits", False, [])
    try:
        async with (
            SqlAlchemyUnitOfWork(engine) as first,
            SqlAlchemyUnitOfWork(engine) as second,
        ):
            await first.roles.add_role(editor)
            # The second sees no committed "editor", inserts, and waits on the unique index.
            adding = asyncio.create_task(second.roles.add_role(editor))
            await wait_for_a_lock_waiter(engine)
            await first.commit()
            with pytest.raises(ConflictError):
                await adding
    finally:
        await engine.dispose()


async def wait_for_a_lock_waiter(engine: AsyncEngine) -> None:
    async with asyncio.timeout(10), engine.connect() as connection:
        while True:
            waiting = await connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if waiting.scalar_one():
                return
            await connection.rollback()
            await asyncio.sleep(0.01)


async def test_nul_characters_in_written_text_are_a_bad_request(engine: AsyncEngine) -> None:
    user = make_user()
    user.profile.bio = "a\x00b"
    link = ProviderLink(uuid.uuid4(), uuid.uuid4(), Provider.GITHUB, "1", None, T0, {"k": ["\x00"]})
    session = Session(uuid.uuid4(), uuid.uuid4(), T0, T0, T0, "agent\x00", None, "email")

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    with pytest.raises(BadRequestError):
        await committed(make_uow, lambda uow: uow.users.add(user))
    with pytest.raises(BadRequestError):
        await committed(make_uow, lambda uow: uow.provider_links.add(link))
    with pytest.raises(BadRequestError):
        await SqlAlchemySessionStore(engine).create(session, "hash-1")


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
        pytest.param(
            "postgresql+asyncpg://postgres@127.0.0.1:5432/scripthub_never_created",
            id="postgres-no-database",
            marks=pytest.mark.postgres,
        ),
        pytest.param("sqlite+aiosqlite:///{tmp}/missing/dir/scripthub.db", id="sqlite-no-folder"),
    ],
)
async def test_unreachable_database_is_service_unavailable(url: str, tmp_path: Path) -> None:
    engine = create_engine(url.format(tmp=tmp_path))
    store = SqlAlchemySessionStore(engine)
    entry = AuditEntry(uuid.uuid4(), T0, None, "x", None, None, Outcome.SUCCESS, None, None)

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    try:
        with pytest.raises(ServiceUnavailableError):
            await committed(make_uow, lambda uow: uow.users.get_by_email("alice@example.com"))
        with pytest.raises(ServiceUnavailableError):
            await committed(make_uow, lambda uow: uow.audit.record(entry))
        with pytest.raises(ServiceUnavailableError):
            await store.is_active(uuid.uuid4(), T0)
        with pytest.raises(ServiceUnavailableError):
            await SqlAlchemyAccountReader(engine).account(uuid.uuid4())
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


async def test_the_account_reader_sees_committed_users_with_their_roles_and_providers(
    backend: Backend,
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    await add_committed(backend.unit_of_work, alice, bob)

    async def link_and_grant(uow: UnitOfWork) -> None:
        for provider, external_id in (
            (Provider.GITHUB, "gh-1"),
            (Provider.EMAIL, str(alice.id)),
            (Provider.GITHUB, "gh-2"),
        ):
            await uow.provider_links.add(
                ProviderLink(uuid.uuid4(), alice.id, provider, external_id, alice.email, T0)
            )
        for role in ("user", "moderator", "admin"):
            await uow.roles.assign(alice.id, role)

    await committed(backend.unit_of_work, link_and_grant)
    reader = backend.account_reader()

    seen = await reader.account(alice.id)
    bare = await reader.account(bob.id)

    assert seen is not None
    assert seen.user == alice
    assert seen.roles == ["admin", "moderator", "user"]
    assert seen.providers == ["email", "github"]
    assert bare is not None
    assert (bare.roles, bare.providers) == ([], [])
    assert await reader.account(uuid.uuid4()) is None
    await backend.close()


@pytest.mark.postgres
async def test_the_account_reader_drops_a_connection_the_server_closed(
    postgres_database_url: str,
) -> None:
    """A pooled connection whose backend was terminated answers 503 once, then leaves the
    pool: the next read gets a fresh connection instead of failing forever."""
    backend = SqlBackend(postgres_database_url)
    alice = make_user("alice")
    await add_committed(backend.unit_of_work, alice)
    reader = backend.account_reader()
    try:
        assert await reader.account(alice.id) is not None
        killer = create_engine(postgres_database_url)
        async with killer.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        await killer.dispose()

        with pytest.raises(ServiceUnavailableError):
            await reader.account(alice.id)
        seen = await reader.account(alice.id)
    finally:
        await backend.close()
    assert seen is not None
    assert seen.user == alice


@pytest.mark.postgres
async def test_holder_counts_are_serialised_until_commit(postgres_database_url: str) -> None:
    """Two changes that each leave one holder of a permission must not both commit: the
    second count waits for the first transaction and then sees its result."""
    first, second = SqlBackend(postgres_database_url), SqlBackend(postgres_database_url)
    try:
        async with first.unit_of_work() as holder:
            await holder.roles.count_active_holders("roles.manage")
            async with second.unit_of_work() as waiter:
                waiting = asyncio.create_task(waiter.roles.count_active_holders("roles.manage"))
                await asyncio.sleep(0.3)
                assert not waiting.done()
                await holder.commit()
                assert await asyncio.wait_for(waiting, 5) == 0
    finally:
        await first.close()
        await second.close()
