"""An offer of ownership accepted while the owner who made it changes the script, through the
real use cases, on each SQL backend (the in-memory fake has no co-authors).

As in `test_script_change_races`: each trial races the use cases (random pauses between
their statements) and checks that the data and the audit tell the same story. Once the
offer is accepted the old owner is a co-author: a deletion, or a change of the slug or the
visibility, that they sent as the owner and that comes after the transfer changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from scripthub.application.ports.scripts import ScriptChanges
from scripthub.application.script_authors.accept_invitation import AcceptInvitationCommand
from scripthub.application.script_authors.invite_author import InviteAuthorCommand
from scripthub.application.script_authors.offer_transfer import OfferTransferCommand
from scripthub.application.scripts.delete_script import DeleteScriptCommand
from scripthub.application.scripts.edit_script import EditScriptCommand
from scripthub.application.sources.remove_source import RemoveSourceCommand
from scripthub.domain.errors import ForbiddenError, NotFoundError
from scripthub.domain.scripts import Visibility
from scripthub.domain.sources import SyncMode, parse_source_url
from tests.contract.conftest import SQL_BACKENDS
from tests.contract.test_account_races import (
    Member,
    Outcome,
    Trials,
    describe,
    expect,
    succeeded,
    unexpected,
)
from tests.contract.test_script_change_races import ScriptPausingUnitOfWork, ScriptRaceWorld
from tests.contract.uow_backends import SqlBackend

if TYPE_CHECKING:
    import uuid
    from collections.abc import AsyncIterator

    from scripthub.application.ports.unit_of_work import UnitOfWork
    from scripthub.domain.scripts import Script

TRIALS = 8


class AuthorPausingUnitOfWork(ScriptPausingUnitOfWork):
    REPOSITORIES = (*ScriptPausingUnitOfWork.REPOSITORIES, "script_authors", "sources")


class AuthorRaceWorld(ScriptRaceWorld):
    def _pausing_unit_of_work(self) -> UnitOfWork:
        if not self.racing:
            return self.backend.unit_of_work()
        return AuthorPausingUnitOfWork(self.backend.unit_of_work(), self.rng)  # type: ignore[return-value]

    async def offered(self, owner: Member, co_author: Member, script: Script) -> uuid.UUID:
        """`co_author` joins `script` and is offered it; the offer's id."""
        invitation = await self.use_cases.invite_author().execute(
            InviteAuthorCommand(owner.principal, script.id, co_author.user.username)
        )
        await self.accept(co_author, invitation.id)
        offer = await self.use_cases.offer_transfer().execute(
            OfferTransferCommand(owner.principal, script.id, co_author.user.username)
        )
        return offer.id

    async def accept(self, member: Member, invitation_id: uuid.UUID) -> Outcome:
        command = AcceptInvitationCommand(member.principal, invitation_id)
        return await self.use_cases.accept_invitation().execute(command)

    async def edit(self, actor: Member, script: Script, **fields: object) -> Outcome:
        command = EditScriptCommand(actor.principal, script.id, ScriptChanges(**fields))  # type: ignore[arg-type]
        return await self.use_cases.edit_script().execute(command)

    async def delete_script(self, actor: Member, script: Script) -> Outcome:
        command = DeleteScriptCommand(actor.principal, script.id)
        return await self.use_cases.delete_script().execute(command)


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest) -> SqlBackend:
    # Resolved in a synchronous fixture: the database fixtures run their own event loop.
    return SqlBackend(request.getfixturevalue(f"{request.param}_database_url"))


@pytest.fixture
async def world(sql_backend: SqlBackend) -> AsyncIterator[AuthorRaceWorld]:
    backend = sql_backend
    yield AuthorRaceWorld(backend)
    await backend.close()


async def test_the_old_owner_deletes_nothing_once_the_transfer_is_accepted(
    world: AuthorRaceWorld,
) -> None:
    trials = Trials("accepted transfer vs the old owner's deletion")
    owner, heir = await world.member(), await world.member()
    for trial in range(TRIALS):
        script = await world.script(owner, f"Handed over {trial}")
        offer = await world.offered(owner, heir, script)
        accepted, deleted = await world.race(
            world.accept(heir, offer), world.delete_script(owner, script)
        )

        problems: list[str] = []
        actions = await world.actions_on(script)
        expect(problems, not unexpected(accepted, NotFoundError), f"accept raised {accepted!r}")
        expect(problems, not unexpected(deleted, ForbiddenError), f"delete raised {deleted!r}")
        expect(
            problems,
            succeeded(accepted) != succeeded(deleted),
            f"{describe([accepted, deleted])}: the new owner's script deleted by the old one",
        )
        expect(
            problems,
            (await world.stored(script) is None) == succeeded(deleted),
            f"{describe([accepted, deleted])}, stored {await world.stored(script)!r}",
        )
        expect(
            problems,
            not {"script.deleted", "script.transferred"} <= set(actions),
            f"audited {actions}",
        )
        trials.check(problems)
    trials.assert_all_passed()


async def test_the_old_owner_changes_no_slug_nor_visibility_once_the_transfer_is_accepted(
    world: AuthorRaceWorld,
) -> None:
    trials = Trials("accepted transfer vs the old owner's edit of the owner's fields")
    owner, heir = await world.member(), await world.member()
    for trial in range(TRIALS):
        script = await world.script(owner, f"Handed over {trial}")
        offer = await world.offered(owner, heir, script)
        accepted, edited = await world.race(
            world.accept(heir, offer),
            world.edit(owner, script, slug=f"taken-back-{trial}", visibility=Visibility.PRIVATE),
        )

        problems: list[str] = []
        actions = await world.actions_on(script)
        stored = await world.stored(script)
        assert stored is not None
        expect(problems, succeeded(accepted), f"accept raised {accepted!r}")
        expect(problems, not unexpected(edited, ForbiddenError), f"edit raised {edited!r}")
        changed = stored.visibility is Visibility.PRIVATE
        expect(
            problems,
            changed == succeeded(edited) and (stored.slug != script.slug) == changed,
            f"{describe([accepted, edited])}, stored {stored.slug} {stored.visibility}",
        )
        if succeeded(edited):  # then the edit came first, while they owned it
            expect(
                problems,
                actions.index("script.updated") < actions.index("script.transferred"),
                f"audited {actions}",
            )
        trials.check(problems)
    trials.assert_all_passed()


async def test_the_old_owner_removes_no_source_once_the_transfer_is_accepted(
    world: AuthorRaceWorld,
) -> None:
    trials = Trials("accepted transfer vs the old owner's removal of the source")
    owner, heir = await world.member(), await world.member()
    location = parse_source_url("https://example.com/handed-over.user.js", SyncMode.MANUAL)
    for trial in range(TRIALS):
        script = await world.script(owner, f"Handed over {trial}")
        async with world.backend.unit_of_work() as uow:
            await uow.sources.put(script.id, location, SyncMode.MANUAL, script.created_at)
            await uow.commit()
        offer = await world.offered(owner, heir, script)
        accepted, removed = await world.race(
            world.accept(heir, offer),
            world.use_cases.remove_source().execute(
                RemoveSourceCommand(owner.principal, script.id)
            ),
        )

        problems: list[str] = []
        actions = await world.actions_on(script)
        async with world.backend.unit_of_work() as uow:
            kept = await uow.sources.get(script.id) is not None
        expect(problems, succeeded(accepted), f"accept raised {accepted!r}")
        expect(problems, not unexpected(removed, ForbiddenError), f"remove raised {removed!r}")
        expect(problems, kept != succeeded(removed), f"{describe([accepted, removed])}, {kept=}")
        if succeeded(removed):  # then it came first, while they owned the script
            expect(
                problems,
                actions.index("script.source_removed") < actions.index("script.transferred"),
                f"audited {actions}",
            )
        trials.check(problems)
    trials.assert_all_passed()
