"""The UserRepository contract, through the unit of work of every adapter."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import date, datetime, timedelta

import pytest

from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.ports.users import UserQuery
from scripthub.domain.errors import EmailTakenError, UsernameTakenError
from scripthub.domain.users import (
    USERNAME_HELD_FOR,
    AccountStatus,
    Profile,
    User,
    normalize_email,
    normalize_username,
)
from tests.contract.paging import every_page, newest_first, staggered
from tests.contract.samples import T0, make_user
from tests.contract.uow_backends import MakeUnitOfWork, add_committed, committed

LATER = T0 + timedelta(hours=1)
DELETED = AccountStatus.DELETED
LIVE = (AccountStatus.ACTIVE, AccountStatus.SUSPENDED)


def user_created_at(user: User) -> datetime:
    return user.created_at


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
        assert await uow.users.username_in_use("alice_1", now=LATER)
        assert await uow.users.get_by_email("alice@example.org") is None
        assert await uow.users.get_by_username("alice_2") is None
        assert not await uow.users.email_in_use("bob@example.com")
        assert not await uow.users.username_in_use("bob", now=LATER)


async def test_username_in_use_can_exclude_its_own_holder(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    await add_committed(make_uow, user)

    async with make_uow() as uow:
        assert not await uow.users.username_in_use("alice", now=LATER, excluding=user.id)
        assert await uow.users.username_in_use("alice", now=LATER, excluding=uuid.uuid4())


async def test_deleted_account_frees_its_email_at_once_and_its_username_after_30_days(
    make_uow: MakeUnitOfWork,
) -> None:
    old = make_user()
    await add_committed(make_uow, old)
    async with make_uow() as uow:
        assert await uow.users.change_status(old.id, DELETED, LATER, only_from=LIVE)
        await uow.commit()

    held_until = LATER + USERNAME_HELD_FOR
    async with make_uow() as uow:
        assert await uow.users.get_by_email("alice@example.com") is None
        assert await uow.users.get_by_username("alice") is None
        assert not await uow.users.email_in_use("alice@example.com")
        assert await uow.users.username_in_use("alice", now=LATER)
        assert await uow.users.username_in_use("alice", now=held_until - timedelta(seconds=1))
        assert await uow.users.username_in_use("alice", now=LATER, excluding=uuid.uuid4())
        assert not await uow.users.username_in_use("alice", now=LATER, excluding=old.id)
        assert not await uow.users.username_in_use("alice", now=held_until)
    new = make_user()
    await add_committed(make_uow, new)

    async with make_uow() as uow:
        assert await uow.users.get_by_email("alice@example.com") == new
        assert await uow.users.get(old.id) == dataclasses.replace(
            old, account_status=DELETED, updated_at=LATER, session_epoch=1
        )


async def test_second_live_account_with_an_email_is_email_taken(make_uow: MakeUnitOfWork) -> None:
    await add_committed(make_uow, make_user())

    with pytest.raises(EmailTakenError):
        await add_committed(make_uow, make_user("alice2", email="alice@example.com"))
    with pytest.raises(UsernameTakenError):
        await add_committed(make_uow, make_user("alice", email="other@example.com"))

    async with make_uow() as uow:
        assert not await uow.users.username_in_use("alice2", now=LATER)


# Writes: each changes only the fields it names, and only if its condition holds.


async def read_user(make_uow: MakeUnitOfWork, user_id: uuid.UUID) -> User | None:
    async with make_uow() as uow:
        return await uow.users.get(user_id)


async def test_a_profile_update_changes_only_the_given_fields(make_uow: MakeUnitOfWork) -> None:
    user = dataclasses.replace(make_user(), email_verified_at=T0)
    await add_committed(make_uow, user)

    async with make_uow() as uow:
        updated = await uow.users.update_profile(
            user.id,
            LATER,
            username="alice_renamed",
            profile={"bio": None, "location": "London", "date_of_birth": date(1991, 2, 3)},
        )
        await uow.commit()

    expected = dataclasses.replace(
        user,
        username="alice_renamed",
        updated_at=LATER,
        profile=dataclasses.replace(
            user.profile, bio=None, location="London", date_of_birth=date(1991, 2, 3)
        ),
    )
    assert updated == expected
    assert await read_user(make_uow, user.id) == expected
    async with make_uow() as uow:
        assert await uow.users.get_by_username("alice") is None


async def test_a_profile_update_without_profile_fields_changes_the_username_only(
    make_uow: MakeUnitOfWork,
) -> None:
    user = make_user()
    await add_committed(make_uow, user)

    async with make_uow() as uow:
        updated = await uow.users.update_profile(user.id, LATER, username="alice2")
        await uow.commit()

    expected = dataclasses.replace(user, username="alice2", updated_at=LATER)
    assert updated == expected
    assert await read_user(make_uow, user.id) == expected


async def test_a_profile_update_needs_an_active_account(make_uow: MakeUnitOfWork) -> None:
    suspended = make_user("bob", status=AccountStatus.SUSPENDED)
    deleted = make_user("carol", status=DELETED)
    await add_committed(make_uow, suspended, deleted)

    async with make_uow() as uow:
        for user_id in (suspended.id, deleted.id, uuid.uuid4()):
            assert await uow.users.update_profile(user_id, LATER, profile={"bio": "x"}) is None
        await uow.commit()

    assert await read_user(make_uow, suspended.id) == suspended
    assert await read_user(make_uow, deleted.id) == deleted


async def test_updating_to_a_taken_username_is_username_taken(make_uow: MakeUnitOfWork) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)

    with pytest.raises(UsernameTakenError):
        await committed(
            make_uow, lambda uow: uow.users.update_profile(bob.id, LATER, username="alice")
        )

    assert await read_user(make_uow, bob.id) == bob


async def test_a_password_hash_is_set_on_an_active_account(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    suspended = make_user("bob", status=AccountStatus.SUSPENDED)
    deleted = make_user("carol", status=DELETED)
    await add_committed(make_uow, user, suspended, deleted)

    async with make_uow() as uow:
        assert await uow.users.set_password_hash(user.id, "hash-2", LATER)
        for other in (suspended.id, deleted.id, uuid.uuid4()):
            assert not await uow.users.set_password_hash(other, "hash-2", LATER)
        await uow.commit()

    # Every other session of the account ends with the change.
    assert await read_user(make_uow, user.id) == dataclasses.replace(
        user, password_hash="hash-2", updated_at=LATER, session_epoch=1
    )
    assert await read_user(make_uow, suspended.id) == suspended
    assert await read_user(make_uow, deleted.id) == deleted


async def test_a_password_hash_replaces_only_the_one_it_names(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    await add_committed(make_uow, user)

    async with make_uow() as uow:
        assert not await uow.users.set_password_hash(user.id, "hash-2", LATER, replacing="other")
        assert await read_user(make_uow, user.id) == user
        assert user.password_hash is not None
        assert await uow.users.set_password_hash(
            user.id, "hash-2", LATER, replacing=user.password_hash
        )
        assert not await uow.users.set_password_hash(
            user.id, "hash-3", LATER, replacing=user.password_hash
        )
        await uow.commit()

    stored = await read_user(make_uow, user.id)
    assert stored is not None
    assert (stored.password_hash, stored.session_epoch) == ("hash-2", 1)


async def test_an_email_is_verified_once_on_a_live_account(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    suspended = make_user("bob", status=AccountStatus.SUSPENDED)
    deleted = make_user("carol", status=DELETED)
    await add_committed(make_uow, user, suspended, deleted)

    async with make_uow() as uow:
        assert await uow.users.mark_email_verified(user.id, LATER)
        assert not await uow.users.mark_email_verified(user.id, LATER + timedelta(hours=1))
        assert await uow.users.mark_email_verified(suspended.id, LATER)
        assert not await uow.users.mark_email_verified(deleted.id, LATER)
        assert not await uow.users.mark_email_verified(uuid.uuid4(), LATER)
        await uow.commit()

    assert await read_user(make_uow, user.id) == dataclasses.replace(
        user, email_verified_at=LATER, updated_at=LATER
    )
    assert await read_user(make_uow, suspended.id) == dataclasses.replace(
        suspended, email_verified_at=LATER, updated_at=LATER
    )
    assert await read_user(make_uow, deleted.id) == deleted


async def test_an_email_changes_on_an_active_account_to_a_free_address(
    make_uow: MakeUnitOfWork,
) -> None:
    user = make_user()
    suspended = make_user("bob", status=AccountStatus.SUSPENDED)
    deleted = make_user("carol", status=DELETED)
    await add_committed(make_uow, user, suspended, deleted)

    async with make_uow() as uow:
        # A deleted account's address is free.
        assert await uow.users.change_email(user.id, "carol@example.com", LATER)
        assert not await uow.users.change_email(suspended.id, "dan@example.com", LATER)
        assert not await uow.users.change_email(deleted.id, "dan@example.com", LATER)
        await uow.commit()

    async def take_bobs(uow: UnitOfWork) -> None:
        await uow.users.change_email(user.id, "bob@example.com", LATER)

    with pytest.raises(EmailTakenError):
        await committed(make_uow, take_bobs)

    assert await read_user(make_uow, user.id) == dataclasses.replace(
        user, email="carol@example.com", email_verified_at=LATER, updated_at=LATER
    )
    assert await read_user(make_uow, suspended.id) == suspended
    assert await read_user(make_uow, deleted.id) == deleted


async def test_a_status_changes_only_from_the_given_ones(make_uow: MakeUnitOfWork) -> None:
    user = make_user()
    await add_committed(make_uow, user)
    suspend = AccountStatus.SUSPENDED

    async with make_uow() as uow:
        assert not await uow.users.change_status(user.id, suspend, LATER, only_from=[suspend])
        assert not await uow.users.change_status(uuid.uuid4(), suspend, LATER, only_from=LIVE)
        assert await uow.users.change_status(user.id, suspend, LATER, only_from=LIVE)
        assert await uow.users.change_status(user.id, DELETED, LATER, only_from=LIVE)
        assert not await uow.users.change_status(
            user.id, AccountStatus.ACTIVE, LATER, only_from=LIVE
        )
        await uow.commit()

    # Each change moved the session epoch on.
    assert await read_user(make_uow, user.id) == dataclasses.replace(
        user, account_status=DELETED, updated_at=LATER, session_epoch=2
    )


async def test_a_guarded_write_waits_for_a_concurrent_one_and_sees_what_it_committed(
    make_uow: MakeUnitOfWork,
) -> None:
    user = make_user()
    await add_committed(make_uow, user)
    deleted = asyncio.Event()

    async def delete() -> None:
        async with make_uow() as uow:
            assert await uow.users.change_status(user.id, DELETED, LATER, only_from=LIVE)
            deleted.set()
            await asyncio.sleep(0.1)
            await uow.commit()

    async def edit() -> User | None:
        await deleted.wait()
        async with make_uow() as uow:
            updated = await uow.users.update_profile(user.id, LATER, profile={"bio": "late"})
            await uow.commit()
            return updated

    _, edited = await asyncio.gather(delete(), edit())

    assert edited is None
    assert await read_user(make_uow, user.id) == dataclasses.replace(
        user, account_status=DELETED, updated_at=LATER, session_epoch=1
    )


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
        assert await names("bb") == set()  # "bob" then "bob@...": nothing spans the two


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


async def test_hold_active_holds_only_an_active_account(make_uow: MakeUnitOfWork) -> None:
    active, suspended, deleted = make_user(), make_user("bob"), make_user("carol")
    await add_committed(make_uow, active, suspended, deleted)
    async with make_uow() as uow:
        assert await uow.users.change_status(
            suspended.id, AccountStatus.SUSPENDED, LATER, only_from=LIVE
        )
        assert await uow.users.change_status(deleted.id, DELETED, LATER, only_from=LIVE)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.users.hold_active(active.id)
        assert not await uow.users.hold_active(suspended.id)
        assert not await uow.users.hold_active(deleted.id)
        assert not await uow.users.hold_active(uuid.uuid4())
        await uow.commit()

    assert await read_user(make_uow, active.id) == active  # held, not changed
