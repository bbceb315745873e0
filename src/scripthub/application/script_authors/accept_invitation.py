"""Accept an invitation to co-author a script, or an offer of its ownership."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.script_authors.managing import author_entry, hold_script
from scripthub.application.scripts.access import cache_names
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, GoneError, NotFoundError
from scripthub.domain.script_authors import (
    MAX_CO_AUTHORS,
    Invitation,
    InvitationKind,
    InvitationStatus,
)
from scripthub.domain.scripts import Script


@dataclass(frozen=True)
class AcceptInvitationCommand:
    principal: Principal
    invitation_id: uuid.UUID
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class AcceptInvitation:
    """The invited user accepts (NotFoundError for anyone else, as for a missing
    invitation); GoneError (410) for one that expired, was revoked or was accepted already.

    An invitation to co-author makes them a co-author (audited `script.author_added`); an
    offer of ownership makes them the owner and the old owner a co-author, in one
    transaction guarded on the script's owner and on their being a co-author still
    (`script.transferred`, `metadata.owner_id` the old owner): an offer whose co-author was
    removed, or whose script changed owner, meanwhile is void (GoneError) and changes
    nothing. Every change to the script's co-authors is serialised on the script's lock, so
    an acceptance and a removal at once are one after the other, whole.
    """

    uow_factory: UnitOfWorkFactory
    latest_code: LatestCodeCache
    clock: Clock

    async def execute(self, command: AcceptInvitationCommand) -> Script:
        principal = command.principal
        async with self.uow_factory() as uow:
            invitation = await uow.script_authors.get_invitation(command.invitation_id)
            if invitation is None or invitation.user_id != principal.user_id:
                raise NotFoundError("Invitation not found.")
            before = await hold_script(uow, principal, invitation.script_id)
            now = self.clock.now()
            if not await uow.script_authors.accept(invitation.id, now):
                raise await _closed(uow, invitation.id)
            if invitation.kind is InvitationKind.TRANSFER:
                await self._transfer(uow, command, invitation, before)
            else:
                await self._join(uow, command, invitation, before)
            after = await uow.scripts.get(before.id)
            if after is None:  # pragma: no cover - held live above
                raise NotFoundError("Script not found.")
            await uow.commit()
        if invitation.kind is InvitationKind.TRANSFER:  # how readers see it follows the owner
            await self.latest_code.changed(cache_names(after))
        return after

    async def _join(
        self,
        uow: UnitOfWork,
        command: AcceptInvitationCommand,
        invitation: Invitation,
        script: Script,
    ) -> None:
        if script.may_publish(command.principal.user_id):
            raise ConflictError("You co-author this script already.")
        if len(script.authors) >= MAX_CO_AUTHORS:  # pragma: no cover - pending ones count
            raise ConflictError(f"A script has at most {MAX_CO_AUTHORS} co-authors.")
        await uow.script_authors.add_author(script.id, command.principal.user_id, self.clock.now())
        await uow.audit.record(
            author_entry(
                self.clock,
                "script.author_added",
                command.context,
                command.principal,
                script,
                {"user_id": str(command.principal.user_id), "invitation_id": str(invitation.id)},
            )
        )

    async def _transfer(
        self,
        uow: UnitOfWork,
        command: AcceptInvitationCommand,
        invitation: Invitation,
        script: Script,
    ) -> None:
        now = self.clock.now()
        if not await uow.script_authors.transfer(
            script.id, invitation.invited_by, command.principal.user_id, now
        ):
            raise GoneError("This offer is void: the script changed hands or you left it.")
        # Other offers were the old owner's to make.
        await uow.script_authors.revoke_pending(script.id, now)
        await uow.audit.record(
            author_entry(
                self.clock,
                "script.transferred",
                command.context,
                command.principal,
                script,
                {
                    "from_user_id": str(script.owner_id),
                    "to_user_id": str(command.principal.user_id),
                    "invitation_id": str(invitation.id),
                },
            )
        )


async def _closed(uow: UnitOfWork, invitation_id: uuid.UUID) -> GoneError:
    """Why an invitation may not be accepted (read after the script's lock: as committed)."""
    invitation = await uow.script_authors.get_invitation(invitation_id)
    if invitation is None or invitation.status is InvitationStatus.REVOKED:
        return GoneError("This invitation was revoked.")
    if invitation.status is InvitationStatus.ACCEPTED:
        return GoneError("This invitation was accepted already.")
    return GoneError("This invitation expired.")
