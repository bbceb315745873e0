"""Offer one's script to one of its co-authors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.script_authors.managing import (
    NewInvitation,
    hold_script,
    invited_user,
    owned_script,
    refused_to_former_owner,
    stage_invitation,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import ValidationError
from scripthub.domain.script_authors import Invitation, InvitationKind
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
                offer = await stage_invitation(
                    uow,
                    self.clock,
                    command.context,
                    principal,
                    script,
                    NewInvitation(
                        user,
                        InvitationKind.TRANSFER,
                        "script.transfer_offered",
                        f"An offer to {user.username} is pending already.",
                    ),
                )
                await uow.commit()
                return offer
        raise await refused_to_former_owner(self.authorizer, principal, denied, command.context)
