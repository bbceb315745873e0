"""The AccountReader contract on every adapter, and how the SQL one survives a lost connection."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.domain.providers import Provider, ProviderLink
from tests.contract.samples import T0, make_user
from tests.contract.uow_backends import SqlBackend, add_committed, committed

if TYPE_CHECKING:
    from scripthub.application.ports.unit_of_work import UnitOfWork
    from tests.contract.uow_backends import Backend


async def test_the_account_reader_sees_committed_users_with_their_roles_and_providers(
    backend: Backend,
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    await add_committed(backend.unit_of_work, alice, bob)

    async def link_and_grant(uow: UnitOfWork) -> None:
        for provider, external_id in (
            (Provider.GITHUB, "gh-1"),
            (Provider.EMAIL, str(alice.id)),
            (Provider.DISCORD, "dc-1"),
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
    assert seen.providers == ["discord", "email", "github"]
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
