"""The ProviderLinkRepository contract, through the unit of work of every adapter."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.providers import Provider, ProviderLink
from tests.contract.samples import T0, make_user
from tests.contract.uow_backends import MakeUnitOfWork, add_committed, committed


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
