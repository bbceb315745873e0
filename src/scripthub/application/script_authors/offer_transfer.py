"""Offer one's script to one of its co-authors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.script_authors.managing import (
    author_entry,
    hold_script,
    invited_user,
    mail_invitation,
    owned_script,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ConflictError, ValidationError
from scripthub.domain.script_authors import Invitation, InvitationKind, new_invitation
from scripthub.domain.scripts import Script


@dataclass(frozen=True)
class OfferTransferCommand:
    principal: Principal
    script_id: uuid.UUID
    username: str
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class OfferTransfer:
    """The owner offers the script to a co-author (ValidationError on `username` for anyone
    else), who accepts it as an invitation (`AcceptInvitation`) within
    `INVITATION_LIFETIME`; audited `script.transfer_offered` and mailed to them. ForbiddenError
    (audited) for anyone but the owner; ConflictError while an offer to that co-author is
    pending. The offer is void once the co-author is removed or leaves, or the script changes
    owner."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    clock: Clock

    async def execute(self, command: OfferTransferCommand) -> Invitation:
        principal = command.principal
        denied: Script | None = None
        async with self.uow_factory() as uow:
            script = await owned_script(
                uow, self.authorizer, principal, command.script_id, command.context
            )
            user = await invited_user(uow, command.username)
            script = await hold_script(uow, principal, script.id)
            if script.owner_id != principal.user_id:
                denied = script
            else:
                if not script.co_authored_by(user.id):
                    raise ValidationError.single("username", "names no co-author of this script")
                now = self.clock.now()
                offer = new_invitation(
                    script.id, user.id, principal.user_id, InvitationKind.TRANSFER, now
                )
                if not await uow.script_authors.add_invitation(offer, now):
                    raise ConflictError(f"An offer to {user.username} is pending already.")
                await uow.audit.record(
                    author_entry(
                        self.clock,
                        "script.transfer_offered",
                        command.context,
                        principal,
                        script,
                        {"user_id": str(user.id), "invitation_id": str(offer.id)},
                    )
                )
                owner = await uow.users.get(principal.user_id)
                name = owner.username if owner is not None else "The owner"
                await mail_invitation(uow, self.clock, user, name, script, offer)
                await uow.commit()
                return offer
        await self.authorizer.require_owner(
            principal,
            denied.owner_id,
            command.context,
            resource_type="script",
            resource_id=denied.id,
        )
        raise ConflictError("The script changed owner meanwhile.")  # pragma: no cover
