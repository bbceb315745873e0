"""/api/scripts/{id_or_slug}: read a script; edit, delete and feature it, and rate it.

A write names the script by its UUID, what never changes (a slug can change, and be taken by
another script once this one is deleted), so a slug or anything else that is not a UUID is a
404 there. The read is here too: Litestar gives each controller that serves a path an
OPTIONS handler of its own, so two controllers cannot share one path.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from scripthub.application.accounts import Principal
from scripthub.application.scripts.delete_script import DeleteScript, DeleteScriptCommand
from scripthub.application.scripts.edit_script import EditScript, EditScriptCommand
from scripthub.application.scripts.feature_script import FeatureScript, FeatureScriptCommand
from scripthub.application.scripts.get_script import GetScript, GetScriptQuery
from scripthub.application.scripts.rate_script import RateScript, RateScriptCommand
from scripthub.application.scripts.unrate_script import UnrateScript, UnrateScriptCommand
from scripthub.domain.access_tokens import TokenScope
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.http.auth import BEARER_SECURITY, OPTIONAL_BEARER
from scripthub.entrypoints.http.body_problems import STRICT_BODY
from scripthub.entrypoints.http.paths import ScriptId, ScriptIdOrSlug, id_or_404
from scripthub.entrypoints.http.schemas.script_changes import (
    FeaturedBody,
    RatingBody,
    RatingOut,
    ScriptPatch,
    rating_out,
    strictly,
)
from scripthub.entrypoints.http.schemas.scripts import ScriptOut, script_out
from scripthub.entrypoints.http.token_routes import token_usable

SCRIPT = "Script"


class ScriptChangesController(Controller):
    path = "/api/scripts"
    tags = ("scripts",)

    @get(
        "/{id_or_slug:str}",
        security=OPTIONAL_BEARER,
        summary="A script, by id or slug",
        opt=token_usable(TokenScope.SCRIPTS_READ),
    )
    async def get_script(
        self,
        id_or_slug: ScriptIdOrSlug,
        viewer: NamedDependency[Principal | None],
        get_script: NamedDependency[GetScript],
    ) -> ScriptOut:
        return script_out(await get_script.execute(GetScriptQuery(viewer, id_or_slug)))

    @patch(
        "/{id_or_slug:str}",
        security=BEARER_SECURITY,
        summary="Edit a script (owner or scripts.update_any)",
        opt=token_usable(TokenScope.SCRIPTS_PUBLISH),
    )
    async def update_script(
        self,
        id_or_slug: ScriptId,
        data: JSONBody[ScriptPatch],
        principal: NamedDependency[Principal],
        edit_script: NamedDependency[EditScript],
        context: NamedDependency[RequestContext],
    ) -> ScriptOut:
        command = EditScriptCommand(
            principal, id_or_404(id_or_slug, SCRIPT), data.changes(), context
        )
        return script_out(await edit_script.execute(command))

    @delete(
        "/{id_or_slug:str}",
        security=BEARER_SECURITY,
        summary="Delete a script (owner or scripts.delete_any)",
    )
    async def delete_script(
        self,
        id_or_slug: ScriptId,
        principal: NamedDependency[Principal],
        delete_script: NamedDependency[DeleteScript],
        context: NamedDependency[RequestContext],
    ) -> None:
        command = DeleteScriptCommand(principal, id_or_404(id_or_slug, SCRIPT), context)
        await delete_script.execute(command)

    @put(
        "/{id_or_slug:str}/featured",
        security=BEARER_SECURITY,
        summary="Feature a script (scripts.featured)",
        opt={STRICT_BODY: True},
    )
    async def feature_script(
        self,
        id_or_slug: ScriptId,
        data: JSONBody[FeaturedBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        feature_script: NamedDependency[FeatureScript],
        context: NamedDependency[RequestContext],
    ) -> ScriptOut:
        body = strictly(await request.json(), FeaturedBody)
        command = FeatureScriptCommand(
            principal, id_or_404(id_or_slug, SCRIPT), body.featured, context
        )
        return script_out(await feature_script.execute(command))

    @put(
        "/{id_or_slug:str}/rating",
        security=BEARER_SECURITY,
        summary="Rate a script, or change your rating",
        opt={STRICT_BODY: True},
    )
    async def rate_script(
        self,
        id_or_slug: ScriptId,
        data: JSONBody[RatingBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        rate_script: NamedDependency[RateScript],
    ) -> RatingOut:
        body = strictly(await request.json(), RatingBody)
        command = RateScriptCommand(principal, id_or_404(id_or_slug, SCRIPT), body.score)
        return rating_out(await rate_script.execute(command))

    @delete(
        "/{id_or_slug:str}/rating",
        security=BEARER_SECURITY,
        summary="Take back your rating of a script",
    )
    async def unrate_script(
        self,
        id_or_slug: ScriptId,
        principal: NamedDependency[Principal],
        unrate_script: NamedDependency[UnrateScript],
    ) -> None:
        await unrate_script.execute(UnrateScriptCommand(principal, id_or_404(id_or_slug, SCRIPT)))
