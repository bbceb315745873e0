"""Invite a user to co-author one's script."""

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
from scripthub.domain.errors import ConflictError, ValidationError
from scripthub.domain.script_authors import (
    MAX_CO_AUTHORS,
    Invitation,
    InvitationKind,
)
from scripthub.domain.scripts import Script


@dataclass(frozen=True)
class InviteAuthorCommand:
    principal: Principal
    script_id: uuid.UUID
    username: str
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class InviteAuthor:
    """The owner invites an active user by username (NotFoundError for an unknown or inactive
    account, ValidationError on `username` for the owner themself); audited
    `script.author_invited` and mailed to the invited user; it may be accepted for
    `INVITATION_LIFETIME`.

    ForbiddenError (audited) for anyone but the owner; ConflictError for a user who
    co-authors the script already, who holds a pending invitation to it, or when the script
    has `MAX_CO_AUTHORS` co-authors and pending invitations together. Checked again once the
    script is locked, so that two invitations at once never pass the limit together.
    """

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    clock: Clock

    async def execute(self, command: InviteAuthorCommand) -> Invitation:
        principal = command.principal
        denied: Script | None = None
        async with self.uow_factory() as uow:
            script = await owned_script(
                uow, self.authorizer, principal, command.script_id, command.context
            )
            user = await invited_user(uow, command.username)
            script = await hold_script(uow, principal, script.id)
            if script.owner_id != principal.user_id:
                denied = script  # transferred meanwhile
            else:
                if user.id == script.owner_id:
                    raise ValidationError.single("username", "names the script's owner")
                if script.co_authored_by(user.id):
                    raise ConflictError(f"{user.username} co-authors this script already.")
                now = self.clock.now()
                pending = await uow.script_authors.count_pending(
                    script.id, InvitationKind.AUTHOR, now
                )
                if len(script.authors) + pending >= MAX_CO_AUTHORS:
                    msg = (
                        f"A script has at most {MAX_CO_AUTHORS} co-authors, pending "
                        "invitations included."
                    )
                    raise ConflictError(msg)
                invitation = await stage_invitation(
                    uow,
                    self.clock,
                    command.context,
                    principal,
                    script,
                    NewInvitation(
                        user,
                        InvitationKind.AUTHOR,
                        "script.author_invited",
                        f"{user.username} holds a pending invitation already.",
                    ),
                )
                await uow.commit()
                return invitation
        raise await refused_to_former_owner(self.authorizer, principal, denied, command.context)
