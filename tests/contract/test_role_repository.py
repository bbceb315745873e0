"""The RoleRepository contract, through the unit of work of every adapter.

Plus what only the SQL adapter has: derived columns (permission resource and action, role
version), cascades of a deleted role, a concurrent duplicate as a conflict, and holder
counts serialised by PostgreSQL's advisory lock.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.roles_table import (
    permissions,
    role_permissions,
    roles,
    user_roles,
)
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.roles import SEEDED_PERMISSIONS, SEEDED_ROLES, Permission, Role
from scripthub.domain.users import AccountStatus
from tests.contract.samples import T0, make_user
from tests.contract.sql_support import wait_for_a_lock_waiter
from tests.contract.uow_backends import MakeUnitOfWork, SqlBackend, add_committed, committed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


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
            "scripts.moderate",
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


async def test_access_is_the_grants_with_the_accounts_session_epoch(
    make_uow: MakeUnitOfWork,
) -> None:
    user, bare = make_user(), make_user("bob")
    await add_committed(make_uow, user, bare)

    async with make_uow() as uow:
        assert await uow.roles.assign(user.id, "moderator")
        assert await uow.users.set_password_hash(user.id, "hash-2", T0)
        await uow.commit()

    async with make_uow() as uow:
        access = await uow.roles.access_of(user.id)
        assert access is not None
        assert access.grants == await uow.roles.grants_of(user.id)
        assert access.session_epoch == 1
        nothing = await uow.roles.access_of(bare.id)
        assert nothing is not None
        assert (nothing.grants.roles, nothing.grants.permissions) == (frozenset(), frozenset())
        assert nothing.session_epoch == 0
        assert await uow.roles.access_of(uuid.uuid4()) is None


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
        assert await uow.users.change_status(
            bob.id, AccountStatus.SUSPENDED, T0, only_from=[AccountStatus.ACTIVE]
        )
        assert await uow.roles.count_active_holders("users.read") == 0
        await uow.roles.assign(erin.id, "moderator")
        assert await uow.roles.count_active_holders("users.read") == 1
        await uow.roles.set_permissions("user", ["scripts.read", "users.read"])
        assert await uow.roles.count_active_holders("users.read") == 2
        await uow.roles.revoke(erin.id, "moderator")
        assert await uow.roles.count_active_holders("users.read") == 1

    async with make_uow() as uow:
        assert await uow.roles.count_active_holders("users.read") == 1
        assert await uow.users.change_status(
            bob.id, AccountStatus.DELETED, T0, only_from=[AccountStatus.ACTIVE]
        )
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.roles.count_active_holders("roles.assign") == 0
        assert await uow.roles.count_active_holders("scripts.read") == 1


# SQL only


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


@pytest.mark.postgres
async def test_a_grant_made_by_a_concurrent_transaction_is_already_held(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url)
    user = make_user()
    try:
        await add_committed(lambda: SqlAlchemyUnitOfWork(engine), user)
        async with (
            SqlAlchemyUnitOfWork(engine) as first,
            SqlAlchemyUnitOfWork(engine) as second,
        ):
            assert await first.roles.assign(user.id, "moderator")
            # The second sees no committed grant, inserts, and waits on the primary key.
            assigning = asyncio.create_task(second.roles.assign(user.id, "moderator"))
            await wait_for_a_lock_waiter(engine)
            await first.commit()
            assert await assigning is False
            await second.commit()
        async with SqlAlchemyUnitOfWork(engine) as check:
            assert await check.roles.roles_of(user.id) == ["moderator"]
    finally:
        await engine.dispose()


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
