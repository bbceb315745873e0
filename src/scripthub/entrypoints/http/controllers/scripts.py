"""/api/scripts: publish scripts and their versions, search the catalogue, read a script;
/api/users/me/scripts: one's own scripts."""

from __future__ import annotations

from enum import StrEnum

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from scripthub.application.accounts import Principal
from scripthub.application.ports.scripts import ScriptSort
from scripthub.application.scripts.create_script import CreateScript, CreateScriptCommand
from scripthub.application.scripts.list_own_scripts import ListOwnScripts, ListOwnScriptsQuery
from scripthub.application.scripts.list_scripts import ListScripts, ListScriptsQuery
from scripthub.application.scripts.list_versions import (
    ListScriptVersions,
    ListScriptVersionsQuery,
)
from scripthub.application.scripts.publish_version import (
    PublishScriptVersion,
    PublishScriptVersionCommand,
)
from scripthub.domain.access_tokens import TokenScope
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import SCRIPTS_CREATE
from scripthub.domain.scripts import MAX_CODE_BYTES, Language
from scripthub.domain.version_review import VersionStatus
from scripthub.entrypoints.http.auth import BEARER_SECURITY, OPTIONAL_BEARER, requires
from scripthub.entrypoints.http.paths import (
    PageSize,
    ScriptId,
    SearchText,
    SiteName,
    id_or_404,
)
from scripthub.entrypoints.http.requests import MAX_BODY_BYTES
from scripthub.entrypoints.http.schemas.scripts import (
    NewScriptBody,
    NewVersionBody,
    ScriptOut,
    ScriptPageOut,
    VersionOut,
    VersionPageOut,
    script_out,
    version_out,
)
from scripthub.entrypoints.http.token_routes import token_usable

MAX_JSON_ESCAPE_BYTES = 6
"""JSON may spell one byte of UTF-8 text in up to six (`\\u0001`; a character of two to four
bytes takes six or twelve)."""
SCRIPT_BODY_BYTES = MAX_CODE_BYTES * MAX_JSON_ESCAPE_BYTES + MAX_BODY_BYTES
"""The body limit of the routes that carry code (13 MiB): 2 MiB of code however it is
escaped, and the other fields within the usual limit. The 2 MiB rule itself is the domain's
(413 on the code's UTF-8 bytes)."""


class AntifeatureFilter(StrEnum):
    NONE = "none"
    """Only scripts that declare no antifeature."""


class ScriptsController(Controller):
    path = "/api/scripts"
    tags = ("scripts",)

    @post(
        "/",
        guards=[requires(SCRIPTS_CREATE)],
        security=BEARER_SECURITY,
        request_max_body_size=SCRIPT_BODY_BYTES,
        summary="Publish a new script with its first version",
        opt=token_usable(TokenScope.SCRIPTS_PUBLISH),
    )
    async def create_script(
        self,
        data: JSONBody[NewScriptBody],
        principal: NamedDependency[Principal],
        create_script: NamedDependency[CreateScript],
        context: NamedDependency[RequestContext],
    ) -> ScriptOut:
        command = CreateScriptCommand(
            principal,
            name=data.name,
            code=data.code,
            language=data.language,
            version=data.version,
            changelog=data.changelog,
            slug=data.slug,
            description=data.description,
            license=data.license,
            visibility=data.visibility,
            tags=data.tags,
            context=context,
        )
        return script_out(await create_script.execute(command))

    @get("/", summary="Search the catalogue of public scripts")
    async def list_scripts(
        self,
        list_scripts: NamedDependency[ListScripts],
        q: SearchText = None,
        tag: FromQuery[str | None] = None,
        author: FromQuery[str | None] = None,
        language: FromQuery[Language | None] = None,
        featured: FromQuery[bool | None] = None,
        antifeature: FromQuery[AntifeatureFilter | None] = None,
        site: SiteName = None,
        all_sites: FromQuery[bool | None] = None,
        sort: FromQuery[ScriptSort | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> ScriptPageOut:
        query = ListScriptsQuery(
            text=q,
            tag=tag,
            author=author,
            language=language,
            featured=featured,
            without_antifeatures=antifeature is AntifeatureFilter.NONE,
            site=site,
            all_sites=all_sites is True,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )
        page = await list_scripts.execute(query)
        return ScriptPageOut([script_out(s) for s in page.items], page.next_cursor)

    @get(
        "/{id_or_slug:str}/versions",
        security=OPTIONAL_BEARER,
        summary="A script's versions, newest first",
        opt=token_usable(TokenScope.SCRIPTS_READ),
    )
    async def list_versions(
        self,
        id_or_slug: ScriptId,
        viewer: NamedDependency[Principal | None],
        list_script_versions: NamedDependency[ListScriptVersions],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> VersionPageOut:
        query = ListScriptVersionsQuery(
            viewer, id_or_404(id_or_slug, "Script"), cursor=cursor, limit=limit
        )
        page = await list_script_versions.execute(query)
        return VersionPageOut([version_out(v) for v in page.items], page.next_cursor)

    @post(
        "/{id_or_slug:str}/versions",
        security=BEARER_SECURITY,
        request_max_body_size=SCRIPT_BODY_BYTES,
        summary="Publish a new version of your script",
        description="201, or 202 for a version held for review (`status`).",
        responses={HTTP_202_ACCEPTED: ResponseSpec(VersionOut, description="Held for review")},
        opt=token_usable(TokenScope.SCRIPTS_PUBLISH),
    )
    async def publish_version(
        self,
        id_or_slug: ScriptId,
        data: JSONBody[NewVersionBody],
        principal: NamedDependency[Principal],
        publish_script_version: NamedDependency[PublishScriptVersion],
        context: NamedDependency[RequestContext],
    ) -> Response[VersionOut]:
        command = PublishScriptVersionCommand(
            principal,
            id_or_404(id_or_slug, "Script"),
            code=data.code,
            version=data.version,
            changelog=data.changelog,
            context=context,
        )
        version = await publish_script_version.execute(command)
        held = version.status is VersionStatus.HELD_FOR_REVIEW
        status = HTTP_202_ACCEPTED if held else HTTP_201_CREATED
        return Response(version_out(version), status_code=status)


class OwnScriptsController(Controller):
    path = "/api/users/me/scripts"
    tags = ("scripts",)
    security = BEARER_SECURITY

    @get("/", summary="Your scripts in every visibility, newest first")
    async def list_own_scripts(
        self,
        principal: NamedDependency[Principal],
        list_own_scripts: NamedDependency[ListOwnScripts],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> ScriptPageOut:
        query = ListOwnScriptsQuery(principal, cursor=cursor, limit=limit)
        page = await list_own_scripts.execute(query)
        return ScriptPageOut([script_out(s) for s in page.items], page.next_cursor)
