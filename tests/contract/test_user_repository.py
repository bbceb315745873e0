"""The UserRepository contract, through the unit of work of every adapter."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

import pytest

from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.users import UserQuery
from scripthub.domain.errors import EmailTakenError, NotFoundError, UsernameTakenError
from scripthub.domain.users import AccountStatus, Profile, User, normalize_email, normalize_username
from tests.contract.paging import every_page, newest_first, staggered
from tests.contract.samples import T0, make_user
from tests.contract.uow_backends import MakeUnitOfWork, add_committed, committed


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
