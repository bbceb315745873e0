"""/api/scripts/{id}: edit, delete and feature a script, and rate it.

`{id}` is the script's UUID: a write names the script by what never changes (a slug can
change, and be taken by another script once this one is deleted), so a slug or anything
else that is not a UUID is a 404.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, patch, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from scripthub.application.accounts import Principal
from scripthub.application.scripts.delete_script import DeleteScript, DeleteScriptCommand
from scripthub.application.scripts.edit_script import EditScript, EditScriptCommand
from scripthub.application.scripts.feature_script import FeatureScript, FeatureScriptCommand
from scripthub.application.scripts.rate_script import RateScript, RateScriptCommand
from scripthub.application.scripts.unrate_script import UnrateScript, UnrateScriptCommand
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.body_problems import STRICT_BODY
from scripthub.entrypoints.http.paths import id_or_404
from scripthub.entrypoints.http.schemas.script_changes import (
    FeaturedBody,
    RatingBody,
    RatingOut,
    ScriptPatch,
    rating_out,
    strictly,
)
from scripthub.entrypoints.http.schemas.scripts import ScriptOut, script_out

SCRIPT = "Script"


class ScriptChangesController(Controller):
    path = "/api/scripts"
    tags = ("scripts",)
    security = BEARER_SECURITY

    @patch("/{script_id:str}", summary="Edit a script (owner or scripts.update_any)")
    async def update_script(
        self,
        script_id: FromPath[str],
        data: JSONBody[ScriptPatch],
        principal: NamedDependency[Principal],
        edit_script: NamedDependency[EditScript],
        context: NamedDependency[RequestContext],
    ) -> ScriptOut:
        command = EditScriptCommand(
            principal, id_or_404(script_id, SCRIPT), data.changes(), context
        )
        return script_out(await edit_script.execute(command))

    @delete("/{script_id:str}", summary="Delete a script (owner or scripts.delete_any)")
    async def delete_script(
        self,
        script_id: FromPath[str],
        principal: NamedDependency[Principal],
        delete_script: NamedDependency[DeleteScript],
        context: NamedDependency[RequestContext],
    ) -> None:
        command = DeleteScriptCommand(principal, id_or_404(script_id, SCRIPT), context)
        await delete_script.execute(command)

    @put(
        "/{script_id:str}/featured",
        summary="Feature a script (scripts.featured)",
        opt={STRICT_BODY: True},
    )
    async def feature_script(
        self,
        script_id: FromPath[str],
        data: JSONBody[FeaturedBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        feature_script: NamedDependency[FeatureScript],
        context: NamedDependency[RequestContext],
    ) -> ScriptOut:
        body = strictly(await request.json(), FeaturedBody)
        command = FeatureScriptCommand(
            principal, id_or_404(script_id, SCRIPT), body.featured, context
        )
        return script_out(await feature_script.execute(command))

    @put(
        "/{script_id:str}/rating",
        summary="Rate a script, or change your rating",
        opt={STRICT_BODY: True},
    )
    async def rate_script(
        self,
        script_id: FromPath[str],
        data: JSONBody[RatingBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        rate_script: NamedDependency[RateScript],
    ) -> RatingOut:
        body = strictly(await request.json(), RatingBody)
        command = RateScriptCommand(principal, id_or_404(script_id, SCRIPT), body.score)
        return rating_out(await rate_script.execute(command))

    @delete("/{script_id:str}/rating", summary="Take back your rating of a script")
    async def unrate_script(
        self,
        script_id: FromPath[str],
        principal: NamedDependency[Principal],
        unrate_script: NamedDependency[UnrateScript],
    ) -> None:
        await unrate_script.execute(UnrateScriptCommand(principal, id_or_404(script_id, SCRIPT)))
