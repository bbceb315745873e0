"""What the use cases of co-authors share: the script, who may manage it, the invited user,
the audit entries and the mails."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from html import escape
from typing import Any

from scripthub.application.accounts import Principal, hold_active_account
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.mail.report_mails import queue_mail
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.scripts.access import may_see, require_token_covers
from scripthub.domain.audit import AuditEntry, RequestContext
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.mail import Email
from scripthub.domain.script_authors import Invitation, InvitationKind, new_invitation
from scripthub.domain.scripts import Script
from scripthub.domain.users import AccountStatus, User, normalize_username


async def visible_script(uow: UnitOfWork, principal: Principal, script_id: uuid.UUID) -> Script:
    """The live script if the caller may see it (else NotFoundError) and their token covers
    it (else TokenScopeError)."""
    script = await uow.scripts.get(script_id)
    if script is None or not may_see(script, principal):
        raise NotFoundError("Script not found.")
    require_token_covers(script, principal)
    return script


async def owned_script(
    uow: UnitOfWork,
    authorizer: Authorizer,
    principal: Principal,
    script_id: uuid.UUID,
    context: RequestContext,
) -> Script:
    """`visible_script`, if the caller owns it (else ForbiddenError, audited: co-authors do
    not manage co-authors)."""
    script = await visible_script(uow, principal, script_id)
    await authorizer.require_owner(
        principal, script.owner_id, context, resource_type="script", resource_id=script.id
    )
    return script


async def hold_script(uow: UnitOfWork, principal: Principal, script_id: uuid.UUID) -> Script:
    """Lock the caller's active account, then the script (in the order publications take
    them), and read the script as it is now: a change of its co-authors or owner is checked
    against what committed before it. NotFoundError if the script is gone."""
    await hold_active_account(uow, principal)
    if not await uow.script_authors.hold_script(script_id):
        raise NotFoundError("Script not found.")
    script = await uow.scripts.get(script_id)
    if script is None:  # pragma: no cover - held live above
        raise NotFoundError("Script not found.")
    return script


async def invited_user(uow: UnitOfWork, username: str) -> User:
    """The active account with this username (ValidationError on `username` for what no
    username may be); else NotFoundError, the same for a missing account as for an inactive
    one."""
    user = await uow.users.get_by_username(normalize_username(username))
    if user is None or user.account_status is not AccountStatus.ACTIVE:
        raise NotFoundError("No active account has this username.")
    return user


def author_entry(
    clock: Clock,
    action: str,
    context: RequestContext,
    principal: Principal,
    script: Script,
    metadata: dict[str, Any],
) -> AuditEntry:
    """An entry on the script, naming its owner (as it was before the change)."""
    return audit_entry(
        clock,
        action,
        context,
        actor_id=principal.user_id,
        resource_type="script",
        resource_id=script.id,
        metadata={**metadata, "owner_id": str(script.owner_id)},
    )


async def mail_invitation(
    uow: UnitOfWork, clock: Clock, to: User, inviter: str, script: Script, invitation: Invitation
) -> None:
    """Tell the invited user what they are invited to, until when, and how to accept."""
    if invitation.kind is InvitationKind.TRANSFER:
        subject = f"{inviter} offers you the ownership of {script.name}"
        what = f"{inviter} offers you the script {script.name}, which you co-author."
    else:
        subject = f"{inviter} invites you to co-author {script.name}"
        what = f"{inviter} invites you to co-author the script {script.name}."
    expires = invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    paragraphs = [
        f"Hi {to.username},",
        what,
        (
            f"Accept it before {expires} with POST /api/invitations/{invitation.id}/accept, "
            "or see your invitations at GET /api/users/me/invitations."
        ),
        "— ScriptHub",
    ]
    text = "\n\n".join(paragraphs) + "\n"
    html = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    await queue_mail(uow, clock, Email(to=to.email, subject=subject, text=text, html=html))


@dataclass(frozen=True)
class NewInvitation:
    """What `stage_invitation` sends: to whom, of which kind, audited as which action, and
    the ConflictError's detail when one is pending already."""

    user: User
    kind: InvitationKind
    action: str
    pending_detail: str


async def stage_invitation(
    uow: UnitOfWork,
    clock: Clock,
    context: RequestContext,
    principal: Principal,
    script: Script,
    new: NewInvitation,
) -> Invitation:
    """Stage an invitation (or offer) of the held `script` from its owner `principal`,
    audited `new.action` and mailed to the invited user; ConflictError if one of its kind is
    pending for them."""
    now = clock.now()
    invitation = new_invitation(script.id, new.user.id, principal.user_id, new.kind, now)
    if not await uow.script_authors.add_invitation(invitation, now):
        raise ConflictError(new.pending_detail)
    metadata = {"user_id": str(new.user.id), "invitation_id": str(invitation.id)}
    await uow.audit.record(author_entry(clock, new.action, context, principal, script, metadata))
    owner = await uow.users.get(principal.user_id)
    name = owner.username if owner is not None else "The owner"
    await mail_invitation(uow, clock, new.user, name, script, invitation)
    return invitation


async def refused_to_former_owner(
    authorizer: Authorizer, principal: Principal, script: Script, context: RequestContext
) -> ConflictError:
    """For an owner whose script changed hands before their change locked it, once their
    transaction let it go (SQLite has one writer at a time): the owner's refusal, audited
    and raised; what it returns is never reached."""
    await authorizer.require_owner(
        principal, script.owner_id, context, resource_type="script", resource_id=script.id
    )
    return ConflictError("The script changed owner meanwhile.")  # pragma: no cover
