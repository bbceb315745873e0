"""Co-authors and ownership transfer: /api/scripts/{id}/authors (invite, list the open
invitations, remove or leave) and /transfer, /api/invitations/{id}/accept and
/api/users/me/invitations."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from scripthub.application.accounts import Principal
from scripthub.application.script_authors.accept_invitation import (
    AcceptInvitation,
    AcceptInvitationCommand,
)
from scripthub.application.script_authors.invite_author import InviteAuthor, InviteAuthorCommand
from scripthub.application.script_authors.list_invitations import (
    ListOwnInvitations,
    ListOwnInvitationsQuery,
    ListScriptInvitations,
    ListScriptInvitationsQuery,
)
from scripthub.application.script_authors.offer_transfer import (
    OfferTransfer,
    OfferTransferCommand,
)
from scripthub.application.script_authors.remove_author import RemoveAuthor, RemoveAuthorCommand
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.body_problems import STRICT_BODY
from scripthub.entrypoints.http.paths import ScriptId, UserId, id_or_404
from scripthub.entrypoints.http.schemas.script_authors import (
    InvitationListOut,
    InvitationOut,
    UsernameBody,
    invitation_out,
)
from scripthub.entrypoints.http.schemas.script_changes import strictly
from scripthub.entrypoints.http.schemas.scripts import ScriptOut, script_out

InvitationId = Annotated[
    str,
    PathParameter(
        description="The invitation's id (anything else is 404)", schema_extra={"format": "uuid"}
    ),
]
SCRIPT = "Script"
_STRICT = {STRICT_BODY: True}


class ScriptAuthorsController(Controller):
    path = "/api/scripts/{id_or_slug:str}"
    tags = ("authors",)
    security = BEARER_SECURITY

    @post(
        "/authors",
        summary="Invite a user to co-author your script",
        description=(
            "The owner only (403). Mailed to the invited user; it expires in 7 days. Not the "
            "owner nor an unknown or inactive account (422 on `username`); a co-author already "
            "or a pending invitation is 409, as is a script with 10 co-authors and pending "
            "invitations together."
        ),
        status_code=HTTP_201_CREATED,
        opt=_STRICT,
    )
    async def invite_author(
        self,
        id_or_slug: ScriptId,
        data: JSONBody[UsernameBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        invite_author: NamedDependency[InviteAuthor],
        context: NamedDependency[RequestContext],
    ) -> InvitationOut:
        body = strictly(await request.json(), UsernameBody)
        command = InviteAuthorCommand(
            principal, id_or_404(id_or_slug, SCRIPT), body.username, context
        )
        return invitation_out(await invite_author.execute(command))

    @get("/invitations", summary="Your script's open invitations and offers (the owner only)")
    async def list_script_invitations(
        self,
        id_or_slug: ScriptId,
        principal: NamedDependency[Principal],
        list_script_invitations: NamedDependency[ListScriptInvitations],
        context: NamedDependency[RequestContext],
    ) -> InvitationListOut:
        query = ListScriptInvitationsQuery(principal, id_or_404(id_or_slug, SCRIPT), context)
        items = await list_script_invitations.execute(query)
        return InvitationListOut([invitation_out(item) for item in items])

    @delete(
        "/authors/{user_id:str}",
        summary="Remove a co-author (the owner), or leave the script (the co-author)",
        description=(
            "Also revokes the user's pending invitation or offer. The owner's own id is 409 "
            "(transfer the script first)."
        ),
    )
    async def remove_author(
        self,
        id_or_slug: ScriptId,
        user_id: UserId,
        principal: NamedDependency[Principal],
        remove_author: NamedDependency[RemoveAuthor],
        context: NamedDependency[RequestContext],
    ) -> None:
        command = RemoveAuthorCommand(
            principal, id_or_404(id_or_slug, SCRIPT), id_or_404(user_id, "User"), context
        )
        await remove_author.execute(command)

    @post(
        "/transfer",
        summary="Offer your script to one of its co-authors",
        description=(
            "The owner only (403); `username` must name a co-author (422). The co-author "
            "accepts it at POST /api/invitations/{id}/accept within 7 days; the old owner "
            "becomes a co-author."
        ),
        status_code=HTTP_201_CREATED,
        opt=_STRICT,
    )
    async def offer_transfer(
        self,
        id_or_slug: ScriptId,
        data: JSONBody[UsernameBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        offer_transfer: NamedDependency[OfferTransfer],
        context: NamedDependency[RequestContext],
    ) -> InvitationOut:
        body = strictly(await request.json(), UsernameBody)
        command = OfferTransferCommand(
            principal, id_or_404(id_or_slug, SCRIPT), body.username, context
        )
        return invitation_out(await offer_transfer.execute(command))


class InvitationsController(Controller):
    path = "/api/invitations"
    tags = ("authors",)
    security = BEARER_SECURITY

    @post(
        "/{invitation_id:str}/accept",
        summary="Accept an invitation to co-author a script, or an offer of its ownership",
        description=(
            "The invited user only (404 for anyone else). Expired, revoked or already "
            "accepted: 410. Answers the script as it is now."
        ),
        status_code=HTTP_200_OK,
    )
    async def accept_invitation(
        self,
        invitation_id: InvitationId,
        principal: NamedDependency[Principal],
        accept_invitation: NamedDependency[AcceptInvitation],
        context: NamedDependency[RequestContext],
    ) -> ScriptOut:
        command = AcceptInvitationCommand(
            principal, id_or_404(invitation_id, "Invitation"), context
        )
        return script_out(await accept_invitation.execute(command))


class OwnInvitationsController(Controller):
    path = "/api/users/me/invitations"
    tags = ("authors",)
    security = BEARER_SECURITY

    @get(summary="Your open invitations and offers of ownership, newest first")
    async def list_own_invitations(
        self,
        principal: NamedDependency[Principal],
        list_own_invitations: NamedDependency[ListOwnInvitations],
    ) -> InvitationListOut:
        items = await list_own_invitations.execute(ListOwnInvitationsQuery(principal))
        return InvitationListOut([invitation_out(item) for item in items])
