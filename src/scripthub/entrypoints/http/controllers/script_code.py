"""/api/scripts/{id}: a script's code and metadata block, where browsers and script managers
install and update it from; and the lane that answers script managers' anonymous requests of
it without Litestar's machinery."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from litestar import Controller, Litestar, Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod, ScopeType
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.params import FromPath
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send
from litestar.utils import normalize_path

from scripthub.application.accounts import Principal
from scripthub.application.scripts.access import cache_name
from scripthub.application.scripts.read_script_code import ReadScriptCode, ReadScriptCodeQuery
from scripthub.application.scripts.read_version_code import (
    ReadVersionCode,
    ReadVersionCodeQuery,
)
from scripthub.application.scripts.served_code import CodeForm, checks_for_update
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.entrypoints.http.client import Network, request_context
from scripthub.entrypoints.http.code_responses import (
    PINNED,
    REVALIDATE,
    code_answer,
    code_response,
    held_copy,
    wants_meta,
)
from scripthub.entrypoints.http.paths import ScriptIdOrSlug
from scripthub.entrypoints.http.problems import send_error_problem
from scripthub.entrypoints.http.rate_limits import (
    COUNTED_BY_HANDLER,
    RateLimits,
    keep_rate_state,
    take_rate_charges,
)
from scripthub.entrypoints.http.security_headers import OWN_CACHE_RULES

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from scripthub.application.ports.system import RateCharge

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


def _latest_code_query(
    id_or_slug: str,
    file_name: str,
    method: str,
    headers: Mapping[str, str],
    *,
    viewer: Principal | None,
    context: RequestContext,
    rate_charges: Callable[[str, bool], tuple[RateCharge, ...]],
) -> tuple[ReadScriptCodeQuery, bool]:
    """What a request of a script's latest code asks, and whether it names the code's own URL
    (whose answer depends on `Accept`, which caches must know: `Vary`). `rate_charges` is
    asked, with the script's cache name and whether the request checks for an update, once
    the file name is known to be the code's: a request for another file is refused
    uncounted, and counted by `Traffic`."""
    form = _form_of(file_name)
    # The code's URL also answers update checks: with `Accept: text/x-userscript-meta`,
    # the block.
    on_code_url = form is CodeForm.CODE
    if on_code_url and wants_meta(headers):
        form = CodeForm.UPDATE_CHECK
    held = held_copy(headers)
    query = ReadScriptCodeQuery(
        id_or_slug,
        viewer,
        context,
        form,
        held=held,
        download=method != HttpMethod.HEAD,
        rate_charges=rate_charges(cache_name(id_or_slug), checks_for_update(form, held)),
    )
    return query, on_code_url


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
        id_or_slug: ScriptIdOrSlug,
        file_name: FromPath[str],
        viewer: NamedDependency[Principal | None],
        context: NamedDependency[RequestContext],
        read_script_code: NamedDependency[ReadScriptCode],
    ) -> Response[bytes]:
        query, on_code_url = _latest_code_query(
            id_or_slug,
            file_name,
            request.method,
            request.headers,
            viewer=viewer,
            context=context,
            rate_charges=lambda name, check: take_rate_charges(
                request.scope, name, update_check=check
            ),
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
        id_or_slug: ScriptIdOrSlug,
        version: FromPath[str],
        viewer: NamedDependency[Principal | None],
        read_version_code: NamedDependency[ReadVersionCode],
    ) -> Response[bytes]:
        query = ReadVersionCodeQuery(id_or_slug, version, viewer, held_copy(request.headers))
        return code_response(request, await read_version_code.execute(query), PINNED)


_PASSED_ON = frozenset({b"authorization", b"origin"})
"""A request naming its caller goes through the rate gate's authentication, and one from a
page through CORS: neither is the lane's."""
_READ = frozenset({b"if-none-match", b"if-modified-since", b"accept"})
_PLAIN_HOST = re.compile(rb"[0-9A-Za-z.:\[\]-]*")
"""A host Litestar's router surely accepts; another goes on to it, to be judged there."""
_LATEST_CODE_PATH = "/api/scripts/lane/raw"
"""A path of the route the lane answers for: Litestar's router names its handler."""


class CodeLane:
    """Wraps the app (inside `Traffic`): answers script managers' anonymous requests of a
    script's code straight from `ReadScriptCode`, without Litestar's routing, dependencies and
    response objects.

    Script managers poll every script they installed, so update checks are the API's most
    frequent request: an anonymous GET or HEAD of a code URL with `If-None-Match` or
    `If-Modified-Since`, mostly answered 304 from the latest-code cache; installs and updates
    are anonymous downloads of the same URLs, answered from prepared code. Through Litestar
    an update check cost about 40% more CPU than through this lane (bench/README.md, update
    checks), and a download about as much again as its prepared bytes cost to send.

    The lane takes only requests of the route `latest_code` (Litestar's own router tells)
    that name no caller and come from no page (no `Authorization`, no `Origin`), and answers
    as the route does: the same query, answer and problems, the route's handler and path
    template in the scope for the layers outside (security headers, access log, metrics).
    Every other request goes on to the app.
    """

    def __init__(
        self,
        app: ASGIApp,
        litestar: Litestar,
        read_script_code: ReadScriptCode,
        limits: RateLimits,
        trusted_proxies: Sequence[Network],
    ) -> None:
        self._app = app
        self._router = litestar.asgi_router
        self._handler = self._router.handle_routing(_LATEST_CODE_PATH, HttpMethod.GET)[1]
        self._read_script_code = read_script_code
        self._limits = limits
        self._trusted = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        headers = self._anonymous_headers(scope)
        params = None if headers is None else self._route_params(scope)
        if headers is None or params is None:
            await self._app(scope, receive, send)
            return
        try:
            query, on_code_url = _latest_code_query(
                params["id_or_slug"],
                params["file_name"],
                scope["method"],
                headers,
                viewer=None,
                context=request_context(scope, self._trusted),
                rate_charges=lambda name, check: self._limits.code_charges(
                    scope, name, update_check=check
                ),
            )
        except NotFoundError:  # not a code file: the route's own 404, counted as it counts it
            await self._app(scope, receive, send)
            return
        try:
            read = await self._read_script_code.execute(query)
        except Exception as error:  # noqa: BLE001 - answered as the app's handlers answer it
            await send_error_problem(scope, send, error)
            return
        keep_rate_state(scope, read.rate)
        coded = code_answer(scope["method"], read.served, REVALIDATE, vary_accept=on_code_url)
        await send(
            {
                "type": "http.response.start",
                "status": coded.status,
                "headers": [(k.encode(), v.encode()) for k, v in coded.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": coded.body, "more_body": False})

    @staticmethod
    def _anonymous_headers(scope: HTTPScope) -> dict[str, str] | None:
        """The headers the route reads, if the request is one the lane takes."""
        if scope["method"] not in GET_AND_HEAD:
            return None
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name in _PASSED_ON or (name == b"host" and not _PLAIN_HOST.fullmatch(value)):
                return None
            if name in _READ:  # the first of repeated lines, as Litestar's `headers.get` reads
                headers.setdefault(name.decode(), value.decode("latin-1"))
        return headers

    def _route_params(self, scope: HTTPScope) -> dict[str, Any] | None:
        """The path parameters of `latest_code`, if the request is its; the scope as the
        router leaves it for that route."""
        if scope.get("root_path"):
            return None
        try:
            _, handler, path, params, template = self._router.handle_routing(
                normalize_path(scope["path"]), scope["method"]
            )
        except (NotFoundException, MethodNotAllowedException):
            return None
        if handler is not self._handler:
            return None
        scope["route_handler"] = handler
        scope["path"] = path
        scope["path_params"] = params
        scope["path_template"] = template
        return params
