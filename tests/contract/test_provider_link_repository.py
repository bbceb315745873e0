"""The ProviderLinkRepository contract, through the unit of work of every adapter."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from scripthub.application.ports.provider_links import LinkRemoval
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.providers import Provider, ProviderLink
from tests.contract.samples import T0, make_user
from tests.contract.uow_backends import MakeUnitOfWork, add_committed, committed

if TYPE_CHECKING:
    from scripthub.domain.users import User

TRIALS = 5


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


def a_link(user_id: uuid.UUID, provider: Provider, provider_user_id: str) -> ProviderLink:
    return ProviderLink(uuid.uuid4(), user_id, provider, provider_user_id, None, T0)


async def test_find_returns_the_link_of_an_identity_whichever_account_holds_it(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)
    bobs_github = ProviderLink(
        uuid.uuid4(), bob.id, Provider.GITHUB, "583231", "bob@example.com", T0, {"login": "bob"}
    )
    async with make_uow() as uow:
        await uow.provider_links.add(a_link(alice.id, Provider.DISCORD, "583231"))
        await uow.provider_links.add(bobs_github)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.provider_links.find(Provider.GITHUB, "583231") == bobs_github
        assert await uow.provider_links.find(Provider.GOOGLE, "583231") is None
        assert await uow.provider_links.find(Provider.GITHUB, "58323") is None


async def test_remove_drops_only_that_users_link_to_that_provider(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)
    alices_github, alices_google = (
        a_link(alice.id, Provider.GITHUB, "a-1"),
        a_link(alice.id, Provider.GOOGLE, "a-2"),
    )
    bobs_github = a_link(bob.id, Provider.GITHUB, "b-1")
    async with make_uow() as uow:
        for link in (alices_github, alices_google, bobs_github):
            await uow.provider_links.add(link)
        await uow.commit()

    async with make_uow() as uow:
        removed = await uow.provider_links.remove(alice.id, Provider.GITHUB)
        removed_again = await uow.provider_links.remove(alice.id, Provider.GITHUB)
        never_linked = await uow.provider_links.remove(bob.id, Provider.DISCORD)
        await uow.commit()

    assert (removed, removed_again, never_linked) == (
        LinkRemoval.REMOVED,
        LinkRemoval.NOT_LINKED,
        LinkRemoval.NOT_LINKED,
    )
    async with make_uow() as uow:
        assert await uow.provider_links.list_for_user(alice.id) == [alices_google]
        assert await uow.provider_links.list_for_user(bob.id) == [bobs_github]
        assert await uow.provider_links.find(Provider.GITHUB, "a-1") is None


async def test_set_email_readdresses_only_that_users_link_to_that_provider(
    make_uow: MakeUnitOfWork,
) -> None:
    alice, bob = make_user(), make_user("bob")
    await add_committed(make_uow, alice, bob)
    alices_email, alices_github, bobs_email = (
        a_link(alice.id, Provider.EMAIL, str(alice.id)),
        a_link(alice.id, Provider.GITHUB, "a-1"),
        a_link(bob.id, Provider.EMAIL, str(bob.id)),
    )
    async with make_uow() as uow:
        for link in (alices_email, alices_github, bobs_email):
            await uow.provider_links.add(link)
        await uow.commit()

    async with make_uow() as uow:
        await uow.provider_links.set_email(alice.id, Provider.EMAIL, "alice@new.example", T0)
        await uow.commit()

    async with make_uow() as uow:
        alices = await uow.provider_links.list_for_user(alice.id)
        assert sorted(alices, key=lambda link: link.provider) == [
            dataclasses.replace(alices_email, email="alice@new.example"),
            alices_github,
        ]
        assert await uow.provider_links.list_for_user(bob.id) == [bobs_email]


async def test_a_removal_is_undone_with_its_unit_of_work(make_uow: MakeUnitOfWork) -> None:
    alice = make_user()
    await add_committed(make_uow, alice)
    github = a_link(alice.id, Provider.GITHUB, "a-1")
    await committed(make_uow, lambda uow: uow.provider_links.add(github))
    await committed(
        make_uow, lambda uow: uow.provider_links.add(a_link(alice.id, Provider.EMAIL, "a-0"))
    )

    async with make_uow() as uow:
        assert await uow.provider_links.remove(alice.id, Provider.GITHUB) is LinkRemoval.REMOVED

    async with make_uow() as uow:
        assert await uow.provider_links.find(Provider.GITHUB, "a-1") == github


async def test_an_account_links_one_identity_per_provider(make_uow: MakeUnitOfWork) -> None:
    alice = make_user()
    await add_committed(make_uow, alice)
    password = a_link(alice.id, Provider.EMAIL, "0")
    await committed(make_uow, lambda uow: uow.provider_links.add(password))
    await committed(
        make_uow, lambda uow: uow.provider_links.add(a_link(alice.id, Provider.GITHUB, "1"))
    )
    second = a_link(alice.id, Provider.GITHUB, "2")

    with pytest.raises(ConflictError):
        await committed(make_uow, lambda uow: uow.provider_links.add(second))
    await committed(make_uow, lambda uow: uow.provider_links.remove(alice.id, Provider.GITHUB))
    await committed(make_uow, lambda uow: uow.provider_links.add(second))

    async with make_uow() as uow:
        links = await uow.provider_links.list_for_user(alice.id)
    assert sorted(links, key=lambda link: link.provider) == [password, second]


async def test_the_last_way_to_sign_in_is_never_removed(make_uow: MakeUnitOfWork) -> None:
    alice = make_user()
    await add_committed(make_uow, alice)
    github = a_link(alice.id, Provider.GITHUB, "1")
    await committed(make_uow, lambda uow: uow.provider_links.add(github))

    async with make_uow() as uow:
        kept = await uow.provider_links.remove(alice.id, Provider.GITHUB)
        await uow.commit()

    assert kept is LinkRemoval.LAST_METHOD
    async with make_uow() as uow:
        assert await uow.provider_links.list_for_user(alice.id) == [github]


async def test_concurrent_removals_of_the_last_two_links_leave_one(
    make_uow: MakeUnitOfWork,
) -> None:
    async def unlink(user: User, provider: Provider) -> LinkRemoval:
        async with make_uow() as uow:
            removal = await uow.provider_links.remove(user.id, provider)
            await uow.commit()
        return removal

    for trial in range(TRIALS):
        alice = make_user(f"alice{trial}")
        await add_committed(make_uow, alice)
        for number, provider in enumerate((Provider.GITHUB, Provider.GOOGLE)):
            link = a_link(alice.id, provider, f"{trial}-{number}")
            await committed(make_uow, lambda uow, link=link: uow.provider_links.add(link))

        outcomes = await asyncio.gather(
            unlink(alice, Provider.GITHUB), unlink(alice, Provider.GOOGLE)
        )

        assert sorted(outcome.value for outcome in outcomes) == ["last_method", "removed"]
        async with make_uow() as uow:
            assert len(await uow.provider_links.list_for_user(alice.id)) == 1


async def test_of_two_concurrent_links_of_one_provider_to_one_account_one_wins(
    make_uow: MakeUnitOfWork,
) -> None:
    async def link(user: User, provider_user_id: str, both_checked: asyncio.Barrier) -> None:
        async with make_uow() as uow:
            # As a use case would: see that no GitHub identity is linked yet, then link.
            assert await uow.provider_links.list_for_user(user.id) == []
            await both_checked.wait()
            await uow.provider_links.add(a_link(user.id, Provider.GITHUB, provider_user_id))
            await uow.commit()

    for trial in range(TRIALS):
        alice = make_user(f"alice{trial}")
        await add_committed(make_uow, alice)
        both_checked = asyncio.Barrier(2)

        outcomes = await asyncio.gather(
            link(alice, f"{trial}-first", both_checked),
            link(alice, f"{trial}-second", both_checked),
            return_exceptions=True,
        )

        assert sorted(type(outcome).__name__ for outcome in outcomes) == [
            "ConflictError",
            "NoneType",
        ]
        async with make_uow() as uow:
            assert len(await uow.provider_links.list_for_user(alice.id)) == 1
