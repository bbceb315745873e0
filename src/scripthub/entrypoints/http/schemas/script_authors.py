"""Co-authors, invitations and offers of ownership as the API shows them, and their bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from scripthub.domain.script_authors import Invitation, InvitationKind, ScriptAuthor
from scripthub.entrypoints.http.schemas.fields import Username


class AuthorOut(msgspec.Struct):
    id: uuid.UUID
    username: str


class UsernameBody(msgspec.Struct, forbid_unknown_fields=True):
    """The invited user (or, for a transfer, the co-author) by username."""

    username: Username


class InvitationOut(msgspec.Struct):
    id: uuid.UUID
    kind: InvitationKind
    """`author`: to co-author the script; `transfer`: to take its ownership over."""
    script_id: uuid.UUID
    script_name: str | None
    user_id: uuid.UUID
    """The invited user."""
    username: str | None
    invited_by: uuid.UUID
    created_at: datetime
    expires_at: datetime


class InvitationListOut(msgspec.Struct):
    items: list[InvitationOut]


def author_out(author: ScriptAuthor) -> AuthorOut:
    return AuthorOut(author.id, author.username)


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        kind=invitation.kind,
        script_id=invitation.script_id,
        script_name=invitation.script_name,
        user_id=invitation.user_id,
        username=invitation.username,
        invited_by=invitation.invited_by,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )
