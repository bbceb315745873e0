"""Review of risky updates: a moderator's decision on a held version, and the queue."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK

from scripthub.application.accounts import Principal
from scripthub.application.scripts.list_held_versions import (
    ListHeldVersions,
    ListHeldVersionsQuery,
)
from scripthub.application.scripts.review_version import ReviewVersion, ReviewVersionCommand
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import SCRIPTS_MODERATE
from scripthub.entrypoints.http.auth import BEARER_SECURITY, requires
from scripthub.entrypoints.http.paths import PageSize, ScriptId, id_or_404
from scripthub.entrypoints.http.schemas.scripts import VersionOut, version_out
from scripthub.entrypoints.http.schemas.version_reviews import (
    HeldVersionPageOut,
    ReviewBody,
    held_version_out,
)


class VersionReviewsController(Controller):
    path = "/api"
    tags = ("moderation",)
    security = BEARER_SECURITY

    @post(
        "/scripts/{id_or_slug:str}/versions/{version:str}/review",
        status_code=HTTP_200_OK,
        guards=[requires(SCRIPTS_MODERATE)],
        summary="Approve or reject a version held for review (scripts.moderate)",
    )
    async def review_version(
        self,
        id_or_slug: ScriptId,
        version: FromPath[str],
        data: JSONBody[ReviewBody],
        principal: NamedDependency[Principal],
        review_version: NamedDependency[ReviewVersion],
        context: NamedDependency[RequestContext],
    ) -> VersionOut:
        command = ReviewVersionCommand(
            principal,
            id_or_404(id_or_slug, "Script"),
            version,
            data.decision,
            data.note,
            context,
        )
        return version_out(await review_version.execute(command))

    @get(
        "/moderation/reviews",
        guards=[requires(SCRIPTS_MODERATE)],
        summary="Versions held for review, oldest first (scripts.moderate)",
    )
    async def list_held_versions(
        self,
        principal: NamedDependency[Principal],
        list_held_versions: NamedDependency[ListHeldVersions],
        context: NamedDependency[RequestContext],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> HeldVersionPageOut:
        query = ListHeldVersionsQuery(principal, cursor=cursor, limit=limit, context=context)
        page = await list_held_versions.execute(query)
        return HeldVersionPageOut([held_version_out(h) for h in page.items], page.next_cursor)
