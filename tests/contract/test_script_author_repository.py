"""`ScriptAuthorRepository` on SQLite and PostgreSQL: co-authors kept in step with the copy
on `scripts.authors` (usernames too), guarded transfers, one pending invitation per user,
kind and script (also when added at once), expiry, acceptance once, revocation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.domain.errors import ConflictError
from scripthub.domain.script_authors import (
    INVITATION_LIFETIME,
    InvitationKind,
    InvitationStatus,
    ScriptAuthor,
    new_invitation,
)
from scripthub.domain.users import AccountStatus
from tests.contract.samples import make_user
from tests.script_builders import add_script

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from scripthub.domain.script_authors import Invitation
    from scripthub.domain.scripts import Script
    from scripthub.domain.users import User

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _uow(engine: AsyncEngine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine)


async def _user(engine: AsyncEngine) -> User:
    user = make_user(f"u{uuid.uuid4().hex[:10]}")
    async with _uow(engine) as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def _script(engine: AsyncEngine) -> tuple[Script, User]:
    owner = await _user(engine)
    return await add_script(lambda: _uow(engine), owner, f"S {uuid.uuid4().hex[:8]}"), owner


async def _read(engine: AsyncEngine, script_id: uuid.UUID) -> Script:
    async with _uow(engine) as uow:
        script = await uow.scripts.get(script_id)
    assert script is not None
    return script


async def _join(engine: AsyncEngine, script: Script, *users: User, at: datetime = T0) -> None:
    async with _uow(engine) as uow:
        assert await uow.script_authors.hold_script(script.id)
        for n, user in enumerate(users):
            assert await uow.script_authors.add_author(
                script.id, user.id, at + timedelta(seconds=n)
            )
        await uow.commit()


async def _invite(engine: AsyncEngine, invitation: Invitation, now: datetime = T0) -> bool:
    async with _uow(engine) as uow:
        added = await uow.script_authors.add_invitation(invitation, now)
        await uow.commit()
    return added


async def test_co_authors_are_copied_on_the_script_in_the_order_they_joined(
    engine: AsyncEngine,
) -> None:
    script, _ = await _script(engine)
    ann, bob = await _user(engine), await _user(engine)

    await _join(engine, script, bob, ann)
    async with _uow(engine) as uow:
        again = await uow.script_authors.add_author(script.id, ann.id, T0)
        count = await uow.script_authors.count_authors(script.id)
    shown = await _read(engine, script.id)
    async with _uow(engine) as uow:
        removed = await uow.script_authors.remove_author(script.id, bob.id)
        missing = await uow.script_authors.remove_author(script.id, bob.id)
        await uow.commit()
    after = await _read(engine, script.id)

    assert not again
    assert count == 2
    assert shown.authors == (ScriptAuthor(bob.id, bob.username), ScriptAuthor(ann.id, ann.username))
    assert shown.may_publish(ann.id)
    assert (removed, missing) == (True, False)
    assert after.authors == (ScriptAuthor(ann.id, ann.username),)
    assert not after.may_publish(bob.id)


async def test_a_new_username_follows_into_the_copies(engine: AsyncEngine) -> None:
    script, _ = await _script(engine)
    ann = await _user(engine)
    await _join(engine, script, ann)

    async with _uow(engine) as uow:
        assert await uow.users.update_profile(ann.id, T0, username="ann-renamed") is not None
        await uow.commit()

    assert (await _read(engine, script.id)).authors == (ScriptAuthor(ann.id, "ann-renamed"),)


async def test_a_transfer_is_guarded_on_the_owner_and_the_co_author(engine: AsyncEngine) -> None:
    script, owner = await _script(engine)
    ann, stranger = await _user(engine), await _user(engine)
    await _join(engine, script, ann)

    async with _uow(engine) as uow:
        not_author = await uow.script_authors.transfer(script.id, owner.id, stranger.id, T0)
        not_owner = await uow.script_authors.transfer(script.id, stranger.id, ann.id, T0)
        done = await uow.script_authors.transfer(script.id, owner.id, ann.id, T0)
        await uow.commit()
    after = await _read(engine, script.id)
    async with _uow(engine) as uow:
        owned = await uow.scripts.names_owned_by(ann.id)
        gone = await uow.script_authors.hold_script(uuid.uuid4())

    assert (not_author, not_owner, done) == (False, False, True)
    assert after.owner_id == ann.id
    assert after.owner_username == ann.username
    assert after.authors == (ScriptAuthor(owner.id, owner.username),)
    assert [name.id for name in owned] == [script.id]
    assert not gone


async def test_one_pending_invitation_per_user_kind_and_script(engine: AsyncEngine) -> None:
    script, owner = await _script(engine)
    ann = await _user(engine)
    first = new_invitation(script.id, ann.id, owner.id, InvitationKind.AUTHOR, T0)
    second = new_invitation(script.id, ann.id, owner.id, InvitationKind.AUTHOR, T0)
    offer = new_invitation(script.id, ann.id, owner.id, InvitationKind.TRANSFER, T0)

    added = [
        await _invite(engine, first),
        await _invite(engine, second),
        await _invite(engine, offer),
    ]
    async with _uow(engine) as uow:
        pending = await uow.script_authors.count_pending(script.id, InvitationKind.AUTHOR, T0)
        mine = await uow.script_authors.pending_for_user(ann.id, T0)
        of_script = await uow.script_authors.pending_for_script(script.id, T0)

    assert added == [True, False, True]
    assert pending == 1
    assert {i.id for i in mine} == {first.id, offer.id}
    assert {i.script_name for i in mine} == {script.name}
    assert {i.username for i in of_script} == {ann.username}


async def test_an_expired_invitation_is_replaced_and_never_accepted(engine: AsyncEngine) -> None:
    script, owner = await _script(engine)
    ann = await _user(engine)
    old = new_invitation(script.id, ann.id, owner.id, InvitationKind.AUTHOR, T0)
    later = T0 + INVITATION_LIFETIME
    await _invite(engine, old)

    async with _uow(engine) as uow:
        expired = await uow.script_authors.accept(old.id, later)
        counted = await uow.script_authors.count_pending(script.id, InvitationKind.AUTHOR, later)
        listed = await uow.script_authors.pending_for_user(ann.id, later)
    new = new_invitation(script.id, ann.id, owner.id, InvitationKind.AUTHOR, later)
    replaced = await _invite(engine, new, later)
    async with _uow(engine) as uow:
        old_now = await uow.script_authors.get_invitation(old.id)
        accepted = await uow.script_authors.accept(new.id, later)
        twice = await uow.script_authors.accept(new.id, later)
        await uow.commit()
    async with _uow(engine) as uow:
        new_now = await uow.script_authors.get_invitation(new.id)

    assert not expired
    assert counted == 0
    assert listed == []
    assert replaced
    assert old_now is not None
    assert old_now.status is InvitationStatus.REVOKED
    assert (accepted, twice) == (True, False)
    assert new_now is not None
    assert new_now.status is InvitationStatus.ACCEPTED
    assert new_now.decided_at == later


async def test_revoking_takes_the_users_invitations_or_every_offer(engine: AsyncEngine) -> None:
    script, owner = await _script(engine)
    ann, bob = await _user(engine), await _user(engine)
    for user in (ann, bob):
        for kind in InvitationKind:
            await _invite(engine, new_invitation(script.id, user.id, owner.id, kind, T0))

    async with _uow(engine) as uow:
        anns = await uow.script_authors.revoke_pending(script.id, T0, user_id=ann.id)
        offers = await uow.script_authors.revoke_pending(script.id, T0)
        await uow.commit()
    async with _uow(engine) as uow:
        left = await uow.script_authors.pending_for_script(script.id, T0)

    assert (anns, offers) == (2, 1)
    assert [(i.user_id, i.kind) for i in left] == [(bob.id, InvitationKind.AUTHOR)]


async def test_two_invitations_at_once_are_one(engine: AsyncEngine) -> None:
    for _ in range(4):
        script, owner = await _script(engine)
        ann = await _user(engine)

        async def invite(script: Script = script, owner: User = owner, ann: User = ann) -> bool:
            try:
                async with _uow(engine) as uow:
                    assert await uow.script_authors.hold_script(script.id)
                    invitation = new_invitation(
                        script.id, ann.id, owner.id, InvitationKind.AUTHOR, T0
                    )
                    added = await uow.script_authors.add_invitation(invitation, T0)
                    await uow.commit()
            except ConflictError:
                return False
            return added

        results = await asyncio.gather(invite(), invite())

        assert sorted(results) == [False, True]
        async with _uow(engine) as uow:
            assert await uow.script_authors.count_pending(script.id, InvitationKind.AUTHOR, T0) == 1


async def test_a_deleted_account_co_authors_nothing(engine: AsyncEngine) -> None:
    script, owner = await _script(engine)
    ann, bob = await _user(engine), await _user(engine)
    await _join(engine, script, ann, bob)
    other, _ = await _script(engine)
    await _invite(
        engine, new_invitation(other.id, ann.id, other.owner_id, InvitationKind.AUTHOR, T0)
    )

    async with _uow(engine) as uow:
        assert await uow.users.change_status(
            ann.id, AccountStatus.DELETED, T0, only_from={AccountStatus.ACTIVE}
        )
        await uow.commit()
    async with _uow(engine) as uow:
        pending = await uow.script_authors.pending_for_script(other.id, T0)

    assert (await _read(engine, script.id)).authors == (ScriptAuthor(bob.id, bob.username),)
    assert pending == []
    assert owner.id == script.owner_id
