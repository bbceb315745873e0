"""/api/scripts/{id}: a script's code and metadata block, where browsers and script managers
install and update it from."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.params import FromPath

from scripthub.application.accounts import Principal
from scripthub.application.scripts.read_script_code import ReadScriptCode, ReadScriptCodeQuery
from scripthub.application.scripts.read_version_code import (
    ReadVersionCode,
    ReadVersionCodeQuery,
)
from scripthub.application.scripts.served_code import CodeForm
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.entrypoints.http.code_responses import (
    IMMUTABLE,
    REVALIDATE,
    code_response,
    held_copy,
    wants_meta,
)
from scripthub.entrypoints.http.rate_limits import (
    COUNTED_BY_HANDLER,
    keep_rate_state,
    take_rate_charge,
)
from scripthub.entrypoints.http.security_headers import OWN_CACHE_RULES

AnyRequest = Request[Any, Any, Any]
GET_AND_HEAD = [HttpMethod.GET, HttpMethod.HEAD]
NAMES = {"raw": CodeForm.CODE, "meta": CodeForm.META}
SUFFIXES = {
    ".user.js": CodeForm.CODE,
    ".user.css": CodeForm.CODE,
    ".meta.js": CodeForm.META,
    ".meta.css": CodeForm.META,
}


def _form_of(file_name: str) -> CodeForm:
    """`raw`, `{slug}.user.js` and `.user.css` are the code; `meta`, `.meta.js` and `.meta.css`
    its block. The slug is not checked: an install URL keeps working after the script is
    renamed (the code served then points at the new one)."""
    if file_name in NAMES:
        return NAMES[file_name]
    for suffix, form in SUFFIXES.items():
        if file_name.endswith(suffix) and len(file_name) > len(suffix):
            return form
    raise NotFoundError("Not found.")


class ScriptCodeController(Controller):
    path = "/api/scripts"
    tags = ("scripts",)
    opt = OWN_CACHE_RULES

    @route(
        "/{id_or_slug:str}/{file_name:str}",
        http_method=GET_AND_HEAD,
        opt=COUNTED_BY_HANDLER,
        summary="The latest version's code or metadata block",
        description=(
            "`raw`, `{slug}.user.js` and `{slug}.user.css`: the code (a GET answered 200 is an "
            "install; `Accept: text/x-userscript-meta` gets the metadata block instead). "
            "`meta`, `{slug}.meta.js` and `{slug}.meta.css`: the metadata block alone."
        ),
    )
    async def latest_code(
        self,
        request: AnyRequest,
        id_or_slug: FromPath[str],
        file_name: FromPath[str],
        viewer: NamedDependency[Principal | None],
        context: NamedDependency[RequestContext],
        read_script_code: NamedDependency[ReadScriptCode],
    ) -> Response[bytes]:
        form = _form_of(file_name)
        # The code's URL also answers update checks: with `Accept: text/x-userscript-meta`,
        # the block. Its answer depends on Accept, which caches must know.
        on_code_url = form is CodeForm.CODE
        if on_code_url and wants_meta(request):
            form = CodeForm.UPDATE_CHECK
        query = ReadScriptCodeQuery(
            id_or_slug,
            viewer,
            context,
            form,
            held=held_copy(request),
            download=request.method != HttpMethod.HEAD,
            rate_charge=take_rate_charge(request.scope),
        )
        read = await read_script_code.execute(query)
        keep_rate_state(request.scope, read.rate)
        return code_response(request, read.served, REVALIDATE, vary_accept=on_code_url)

    @route(
        "/{id_or_slug:str}/versions/{version:str}/raw",
        http_method=GET_AND_HEAD,
        summary="One version's code, pinned (never updates)",
    )
    async def version_code(
        self,
        request: AnyRequest,
        id_or_slug: FromPath[str],
        version: FromPath[str],
        viewer: NamedDependency[Principal | None],
        read_version_code: NamedDependency[ReadVersionCode],
    ) -> Response[bytes]:
        query = ReadVersionCodeQuery(id_or_slug, version, viewer, held_copy(request))
        return code_response(request, await read_version_code.execute(query), IMMUTABLE)
