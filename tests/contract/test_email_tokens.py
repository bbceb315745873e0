"""The EmailTokenRepository contract, through the unit of work of every adapter.

Plus, on PostgreSQL, the race `consume` exists for: two connections, one use.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.domain.email_tokens import TOKEN_LIFETIMES, EmailToken, TokenPurpose
from scripthub.domain.errors import NotFoundError
from tests.contract.mail_backends import BACKENDS, open_backend
from tests.contract.samples import T0, make_user
from tests.contract.sql_support import wait_for_a_lock_waiter
from tests.contract.uow_backends import MakeUnitOfWork, add_committed, committed

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime

    from scripthub.domain.users import User
    from tests.contract.mail_backends import MailBackend

VERIFY = TokenPurpose.VERIFY_EMAIL
RESET = TokenPurpose.RESET_PASSWORD
NOW = T0 + timedelta(minutes=5)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> MailBackend:
    return open_backend(request)


@pytest.fixture
async def make_uow(backend: MailBackend) -> AsyncIterator[MakeUnitOfWork]:
    yield backend.unit_of_work
    await backend.close()


@pytest.fixture
async def alice(make_uow: MakeUnitOfWork) -> User:
    user = make_user()
    await add_committed(make_uow, user)
    return user


def make_token(
    user_id: uuid.UUID,
    purpose: TokenPurpose = VERIFY,
    *,
    created_at: datetime = T0,
    used_at: datetime | None = None,
) -> EmailToken:
    return EmailToken(
        id=uuid.uuid4(),
        user_id=user_id,
        purpose=purpose,
        token_hash=uuid.uuid4().hex * 2,
        created_at=created_at,
        expires_at=created_at + TOKEN_LIFETIMES[purpose],
        used_at=used_at,
    )


async def add_tokens(make_uow: MakeUnitOfWork, *tokens: EmailToken) -> None:
    async with make_uow() as uow:
        for token in tokens:
            await uow.email_tokens.add(token)
        await uow.commit()


async def read(make_uow: MakeUnitOfWork, token: EmailToken) -> EmailToken | None:
    async with make_uow() as uow:
        return await uow.email_tokens.find(token.token_hash, token.purpose)


async def test_a_token_is_found_by_its_hash_and_purpose(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    token = make_token(alice.id)
    await add_tokens(make_uow, token)

    async with make_uow() as uow:
        found = await uow.email_tokens.find(token.token_hash, VERIFY)
        assert await uow.email_tokens.find(token.token_hash, RESET) is None
        assert await uow.email_tokens.find("0" * 64, VERIFY) is None

    assert found == token
    for moment in (found.created_at, found.expires_at):
        assert moment.utcoffset() == timedelta(0)


async def test_an_email_change_token_keeps_its_new_address(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    token = dataclasses.replace(
        make_token(alice.id, TokenPurpose.CHANGE_EMAIL), new_email="alice@elsewhere.example"
    )
    await add_tokens(make_uow, token)

    assert await read(make_uow, token) == token


async def test_find_returns_used_and_expired_tokens_too(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    used = make_token(alice.id, RESET, used_at=T0 + timedelta(minutes=1))
    expired = make_token(alice.id, RESET, created_at=T0 - timedelta(days=2))
    await add_tokens(make_uow, used, expired)

    assert await read(make_uow, used) == used
    assert await read(make_uow, expired) == expired


async def test_a_token_is_consumed_once(make_uow: MakeUnitOfWork, alice: User) -> None:
    token = make_token(alice.id)
    await add_tokens(make_uow, token)

    async with make_uow() as uow:
        assert await uow.email_tokens.consume(token.id, NOW)
        assert not await uow.email_tokens.consume(token.id, NOW)
        await uow.commit()
    async with make_uow() as uow:
        assert not await uow.email_tokens.consume(token.id, NOW + timedelta(seconds=1))

    consumed = await read(make_uow, token)
    assert consumed is not None
    assert consumed.used_at == NOW
    assert consumed.used_at.utcoffset() == timedelta(0)


async def test_consuming_an_unknown_token_is_false(make_uow: MakeUnitOfWork) -> None:
    async with make_uow() as uow:
        assert not await uow.email_tokens.consume(uuid.uuid4(), NOW)


async def test_a_consume_rolled_back_leaves_the_token_unused(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    token = make_token(alice.id)
    await add_tokens(make_uow, token)

    async with make_uow() as uow:
        assert await uow.email_tokens.consume(token.id, NOW)

    assert await read(make_uow, token) == token


async def test_a_token_added_without_commit_is_gone(make_uow: MakeUnitOfWork, alice: User) -> None:
    token = make_token(alice.id)
    async with make_uow() as uow:
        await uow.email_tokens.add(token)
        assert await uow.email_tokens.find(token.token_hash, VERIFY) == token

    assert await read(make_uow, token) is None


async def test_a_token_of_an_unknown_user_is_not_found(make_uow: MakeUnitOfWork) -> None:
    with pytest.raises(NotFoundError):
        await committed(make_uow, lambda uow: uow.email_tokens.add(make_token(uuid.uuid4())))


async def test_revoke_unused_uses_up_the_unused_tokens_of_the_user_and_purpose(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    bob = make_user("bob")
    await add_committed(make_uow, bob)
    unused = [make_token(alice.id, RESET), make_token(alice.id, RESET)]
    used = make_token(alice.id, RESET, used_at=T0 + timedelta(minutes=1))
    untouched = [make_token(alice.id, VERIFY), make_token(bob.id, RESET), used]
    await add_tokens(make_uow, *unused, *untouched)

    async with make_uow() as uow:
        assert await uow.email_tokens.revoke_unused(alice.id, RESET, NOW) == 2
        assert await uow.email_tokens.revoke_unused(alice.id, RESET, NOW) == 0
        await uow.commit()

    for token in unused:
        assert await read(make_uow, token) == dataclasses.replace(token, used_at=NOW)
    for token in untouched:
        assert await read(make_uow, token) == token


async def test_concurrent_consumers_commit_one_use_only(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    token = make_token(alice.id)
    await add_tokens(make_uow, token)

    async def redeem() -> bool:
        async with make_uow() as uow:
            consumed = await uow.email_tokens.consume(token.id, NOW)
            await asyncio.sleep(0.05)
            await uow.commit()
            return consumed

    outcomes = await asyncio.gather(redeem(), redeem(), return_exceptions=True)

    # The second consumer waits for the first (a row lock, the database lock, the writer lock
    # of the in-memory unit of work) and then finds the token used.
    assert sorted(outcomes, key=str) == [False, True]


@pytest.mark.postgres
async def test_two_connections_consuming_one_token_get_one_true(
    postgres_database_url: str,
) -> None:
    engines = [create_engine(postgres_database_url) for _ in range(2)]
    alice = make_user()
    token = make_token(alice.id)

    def make_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engines[0])

    try:
        await add_committed(make_uow, alice)
        await add_tokens(make_uow, token)
        async with (
            SqlAlchemyUnitOfWork(engines[0]) as first,
            SqlAlchemyUnitOfWork(engines[1]) as second,
        ):
            assert await first.email_tokens.consume(token.id, NOW)
            # The second UPDATE waits on the row lock of the first, then finds the token used.
            consuming = asyncio.create_task(second.email_tokens.consume(token.id, NOW))
            await wait_for_a_lock_waiter(engines[0])
            await first.commit()
            assert not await consuming
            await second.commit()
    finally:
        for engine in engines:
            await engine.dispose()
