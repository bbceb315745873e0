"""The AccessTokenRepository contract, through the unit of work of every adapter (the fake,
SQLite, PostgreSQL); and the limit of live tokens under concurrent creations and revocations,
through the real use cases."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from scripthub.adapters.unmarked_access_tokens import UnmarkedAccessTokens
from scripthub.application.access_tokens.create_access_token import (
    CreateAccessToken,
    CreateAccessTokenCommand,
)
from scripthub.application.access_tokens.revoke_access_token import (
    RevokeAccessToken,
    RevokeAccessTokenCommand,
)
from scripthub.application.accounts import Principal
from scripthub.application.ports.audit import AuditQuery
from scripthub.domain.access_tokens import MAX_LIVE_TOKENS, AccessToken, TokenScope
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.roles import Grants
from scripthub.domain.users import AccountStatus
from tests.contract.samples import T0, make_user
from tests.contract.uow_backends import MakeUnitOfWork, add_committed, committed

if TYPE_CHECKING:
    from scripthub.domain.users import User

NOW = T0 + timedelta(minutes=5)


@pytest.fixture
async def alice(make_uow: MakeUnitOfWork) -> User:
    user = dataclasses.replace(make_user(), email_verified_at=T0)
    await add_committed(make_uow, user)
    return user


def make_token(
    user_id: uuid.UUID,
    *,
    created_at: datetime = T0,
    script_ids: tuple[uuid.UUID, ...] | None = None,
) -> AccessToken:
    return AccessToken(
        id=uuid.uuid4(),
        user_id=user_id,
        name="ci",
        scopes=(TokenScope.SCRIPTS_PUBLISH, TokenScope.SCRIPTS_READ),
        script_ids=script_ids,
        created_at=created_at,
        expires_at=created_at + timedelta(days=1),
    )


async def add_tokens(make_uow: MakeUnitOfWork, *tokens: AccessToken) -> list[str]:
    """The tokens, committed; their hashes."""
    hashes = [uuid.uuid4().hex * 2 for _ in tokens]
    async with make_uow() as uow:
        for token, hashed in zip(tokens, hashes, strict=True):
            await uow.access_tokens.add(token, hashed)
        await uow.commit()
    return hashes


async def test_a_token_reads_back_as_it_was_added(make_uow: MakeUnitOfWork, alice: User) -> None:
    scripts = tuple(sorted([uuid.uuid4(), uuid.uuid4()]))
    token = make_token(alice.id, script_ids=scripts)
    [hashed] = await add_tokens(make_uow, token)

    async with make_uow() as uow:
        found = await uow.access_tokens.find_usable(hashed, NOW)
        listed = await uow.access_tokens.list_unrevoked(alice.id)

    assert found == token
    assert listed == [token]


async def test_only_a_live_token_of_an_active_account_is_usable(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    live, revoked = make_token(alice.id), make_token(alice.id)
    hashes = await add_tokens(make_uow, live, revoked)
    async with make_uow() as uow:
        expected = dataclasses.replace(revoked, revoked_at=NOW)
        assert await uow.access_tokens.revoke(alice.id, revoked.id, NOW) == expected
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.access_tokens.find_usable(hashes[0], NOW) == live
        assert await uow.access_tokens.find_usable(hashes[1], NOW) is None
        assert await uow.access_tokens.find_usable(hashes[0], live.expires_at) is None
        assert await uow.access_tokens.find_usable("0" * 64, NOW) is None
        await uow.users.change_status(
            alice.id, AccountStatus.SUSPENDED, NOW, only_from=(AccountStatus.ACTIVE,)
        )
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.access_tokens.find_usable(hashes[0], NOW) is None


async def test_listing_is_newest_first_without_revoked_and_counting_is_of_live_ones(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    bob = make_user("bob")
    await add_committed(make_uow, bob)
    old = make_token(alice.id, created_at=T0 - timedelta(days=2))  # expired at NOW
    middle, new = make_token(alice.id), make_token(alice.id, created_at=T0 + timedelta(1))
    revoked, bobs = make_token(alice.id), make_token(bob.id)
    await add_tokens(make_uow, old, middle, new, revoked, bobs)
    async with make_uow() as uow:
        await uow.access_tokens.revoke(alice.id, revoked.id, NOW)
        await uow.commit()

    async with make_uow() as uow:
        listed = await uow.access_tokens.list_unrevoked(alice.id)
        live = await uow.access_tokens.count_live(alice.id, NOW)

    assert [token.id for token in listed] == [new.id, middle.id, old.id]
    assert live == 2


async def test_revoking_is_for_the_owner_and_once(make_uow: MakeUnitOfWork, alice: User) -> None:
    bob = make_user("bob")
    await add_committed(make_uow, bob)
    token = make_token(alice.id)
    await add_tokens(make_uow, token)

    async with make_uow() as uow:
        assert await uow.access_tokens.revoke(bob.id, token.id, NOW) is None
        assert await uow.access_tokens.revoke(alice.id, uuid.uuid4(), NOW) is None
        expected = dataclasses.replace(token, revoked_at=NOW)
        assert await uow.access_tokens.revoke(alice.id, token.id, NOW) == expected
        assert await uow.access_tokens.revoke(alice.id, token.id, NOW) is None
        await uow.commit()


async def test_revoke_all_ends_every_unrevoked_token_of_the_user(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    bob = make_user("bob")
    await add_committed(make_uow, bob)
    hashes = await add_tokens(
        make_uow, make_token(alice.id), make_token(alice.id), make_token(bob.id)
    )

    async with make_uow() as uow:
        revoked = await uow.access_tokens.revoke_all(alice.id, NOW)
        await uow.commit()
    assert len(revoked) == 2
    assert {token.user_id for token in revoked} == {alice.id}
    assert {token.revoked_at for token in revoked} == {NOW}
    async with make_uow() as uow:
        assert await uow.access_tokens.list_unrevoked(alice.id) == []
        assert await uow.access_tokens.find_usable(hashes[2], NOW) is not None


async def test_marking_a_use_changes_only_last_used_at(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    token = make_token(alice.id)
    [hashed] = await add_tokens(make_uow, token)

    async with make_uow() as uow:
        await uow.access_tokens.mark_used(token.id, NOW)
        await uow.commit()
    async with make_uow() as uow:
        found = await uow.access_tokens.find_usable(hashed, NOW)

    assert found == dataclasses.replace(token, last_used_at=NOW)


async def test_a_token_needs_its_user_and_a_unique_hash(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    [hashed] = await add_tokens(make_uow, make_token(alice.id))

    stranger = make_token(uuid.uuid4())
    with pytest.raises(NotFoundError):
        await committed(make_uow, lambda uow: uow.access_tokens.add(stranger, "f" * 64))
    twin = make_token(alice.id)
    with pytest.raises(ConflictError):
        await committed(make_uow, lambda uow: uow.access_tokens.add(twin, hashed))


class TickingClock:
    """The real time, never the same instant twice: audit entries order as written."""

    def __init__(self) -> None:
        self._last = datetime.now(UTC)

    def now(self) -> datetime:
        self._last = max(datetime.now(UTC), self._last + timedelta(microseconds=1))
        return self._last


async def test_concurrent_creations_and_revocations_never_pass_the_limit(
    make_uow: MakeUnitOfWork, alice: User
) -> None:
    clock = TickingClock()
    create = CreateAccessToken(make_uow, clock)
    revoke = RevokeAccessToken(make_uow, UnmarkedAccessTokens(), clock)
    session = Principal(alice.id, uuid.uuid4(), Grants(frozenset(), frozenset()))
    command = CreateAccessTokenCommand(session, "ci", [TokenScope.SCRIPTS_READ.value])
    early = [await create.execute(command) for _ in range(10)]

    outcomes = await asyncio.gather(
        *(create.execute(command) for _ in range(MAX_LIVE_TOKENS)),
        *(revoke.execute(RevokeAccessTokenCommand(session, c.token.id)) for c in early[:5]),
        return_exceptions=True,
    )

    refused = [o for o in outcomes[:MAX_LIVE_TOKENS] if isinstance(o, BaseException)]
    assert all(isinstance(error, ConflictError) for error in refused), refused
    assert outcomes[MAX_LIVE_TOKENS:] == [None] * 5
    # Whether a revocation came before a refusal is the race's to decide; more creations
    # after it fill the account exactly.
    more = await asyncio.gather(
        *(create.execute(command) for _ in range(10)), return_exceptions=True
    )
    assert sum(isinstance(o, ConflictError) for o in more) >= 5
    async with make_uow() as uow:
        live = await uow.access_tokens.count_live(alice.id, clock.now())
        created = await uow.audit.search(AuditQuery(action="token.created", limit=200))
        revoked = await uow.audit.search(AuditQuery(action="token.revoked", limit=200))
    assert live == MAX_LIVE_TOKENS
    assert len(revoked) == 5
    assert len(created) - len(revoked) == live
