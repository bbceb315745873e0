"""/api/scripts/{id}: a script's code and metadata block, where browsers and script managers
install and update it from; and the lane that answers script managers' anonymous requests of
it without Litestar's machinery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from litestar import Controller, Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.params import FromPath
from litestar.types import HTTPScope, Send

from scripthub.application.accounts import Principal
from scripthub.application.scripts.access import cache_name
from scripthub.application.scripts.diff_versions import DiffVersions, DiffVersionsQuery
from scripthub.application.scripts.read_script_code import ReadScriptCode, ReadScriptCodeQuery
from scripthub.application.scripts.read_version_code import (
    ReadVersionCode,
    ReadVersionCodeQuery,
)
from scripthub.application.scripts.served_code import CodeForm, channel_path, checks_for_update
from scripthub.domain.access_tokens import TokenScope
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.version_channels import Channel
from scripthub.entrypoints.http.client import Network, request_context
from scripthub.entrypoints.http.code_responses import (
    PINNED,
    REVALIDATE,
    code_answer,
    code_response,
    diff_response,
    held_copy,
    held_diff,
    wants_json,
    wants_meta,
)
from scripthub.entrypoints.http.lanes import send_answer
from scripthub.entrypoints.http.paths import ScriptIdOrSlug
from scripthub.entrypoints.http.problems import send_error_problem
from scripthub.entrypoints.http.rate_limits import (
    COUNTED_BY_HANDLER,
    RateLimits,
    keep_rate_state,
    take_rate_charges,
)
from scripthub.entrypoints.http.security_headers import OWN_CACHE_RULES
from scripthub.entrypoints.http.token_routes import token_usable

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


def _form_of(file_name: str, channel: Channel) -> CodeForm:
    """`raw`, `{slug}.user.js` and `.user.css` are the code; `meta`, `.meta.js` and `.meta.css`
    its block (on the beta channel, only the names with a slug). The slug is not checked: an
    install URL keeps working after the script is renamed (the code served then points at the
    new one)."""
    if file_name in NAMES and channel is Channel.STABLE:
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
    channel: Channel = Channel.STABLE,
) -> tuple[ReadScriptCodeQuery, bool]:
    """What a request of a script's latest code asks, and whether it names the code's own URL
    (whose answer depends on `Accept`, which caches must know: `Vary`). `rate_charges` is
    asked, with the script's cache name and whether the request checks for an update, once
    the file name is known to be the code's: a request for another file is refused
    uncounted, and counted by `Traffic`. Both channels of a script count against the same
    budgets."""
    form = _form_of(file_name, channel)
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
        file_name=f"{channel_path(channel)}{file_name}",
        channel=channel,
    )
    return query, on_code_url


async def _channel_code(
    request: AnyRequest,
    id_or_slug: str,
    file_name: str,
    viewer: Principal | None,
    context: RequestContext,
    read_script_code: ReadScriptCode,
    channel: Channel,
) -> Response[bytes]:
    """What the latest-code routes of each channel answer, through Litestar."""
    query, on_code_url = _latest_code_query(
        id_or_slug,
        file_name,
        request.method,
        request.headers,
        viewer=viewer,
        context=context,
        rate_charges=lambda name, check: take_rate_charges(request.scope, name, update_check=check),
        channel=channel,
    )
    read = await read_script_code.execute(query)
    keep_rate_state(request.scope, read.rate)
    return code_response(request, read.served, REVALIDATE, vary_accept=on_code_url)


class ScriptCodeController(Controller):
    path = "/api/scripts"
    tags = ("scripts",)
    opt = OWN_CACHE_RULES

    @route(
        "/{id_or_slug:str}/{file_name:str}",
        http_method=GET_AND_HEAD,
        opt={**COUNTED_BY_HANDLER, **token_usable(TokenScope.SCRIPTS_READ)},
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
        return await _channel_code(
            request, id_or_slug, file_name, viewer, context, read_script_code, Channel.STABLE
        )

    @route(
        "/{id_or_slug:str}/beta/{file_name:str}",
        http_method=GET_AND_HEAD,
        opt={**COUNTED_BY_HANDLER, **token_usable(TokenScope.SCRIPTS_READ)},
        summary="The beta channel's code or metadata block",
        description=(
            "As the latest version's routes (`{slug}.user.js`, `{slug}.user.css`, "
            "`{slug}.meta.js`, `{slug}.meta.css`), serving the newest of the latest beta and "
            "the latest stable version, with update URLs pointing at these."
        ),
    )
    async def beta_code(
        self,
        request: AnyRequest,
        id_or_slug: ScriptIdOrSlug,
        file_name: FromPath[str],
        viewer: NamedDependency[Principal | None],
        context: NamedDependency[RequestContext],
        read_script_code: NamedDependency[ReadScriptCode],
    ) -> Response[bytes]:
        return await _channel_code(
            request, id_or_slug, file_name, viewer, context, read_script_code, Channel.BETA
        )

    @route(
        "/{id_or_slug:str}/versions/{version:str}/raw",
        http_method=GET_AND_HEAD,
        summary="One version's code, pinned (never updates)",
        opt=token_usable(TokenScope.SCRIPTS_READ),
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

    @route(
        "/{id_or_slug:str}/versions/{version:str}/diff/{other_version:str}",
        http_method=GET_AND_HEAD,
        summary="The diff from one version's code (`version`) to another's",
        description=(
            "A unified diff (`text/x-diff`), or with `Accept: application/json` the diff with "
            "the metadata entries each key gained and lost and the lines added and removed."
        ),
        opt=token_usable(TokenScope.SCRIPTS_READ),
    )
    async def version_diff(
        self,
        request: AnyRequest,
        id_or_slug: ScriptIdOrSlug,
        version: FromPath[str],
        other_version: FromPath[str],
        viewer: NamedDependency[Principal | None],
        diff_versions: NamedDependency[DiffVersions],
    ) -> Response[bytes]:
        as_json = wants_json(request.headers)
        held = held_diff(request.headers, as_json=as_json)
        diff = await diff_versions.execute(
            DiffVersionsQuery(id_or_slug, version, other_version, viewer, held)
        )
        return diff_response(request, diff, as_json=as_json)


LATEST_CODE_PATH = "/api/scripts/lane/raw"
"""A path of the route `CodeLane` answers for (see `Lanes`)."""
BETA_CODE_PATH = "/api/scripts/lane/beta/lane.user.js"
"""A path of the route the beta channel's `CodeLane` answers for."""


class CodeLane:
    """The lane (see `Lanes`) of `latest_code`: answers script managers' anonymous requests of
    a script's code straight from `ReadScriptCode`.

    Script managers poll every script they installed, so update checks are the API's most
    frequent request: an anonymous GET or HEAD of a code URL with `If-None-Match` or
    `If-Modified-Since`, mostly answered 304 from the latest-code cache; installs and updates
    are anonymous downloads of the same URLs, answered from prepared code. Through Litestar
    an update check cost about 40% more CPU than through this lane (bench/README.md, update
    checks), and a download about as much again as its prepared bytes cost to send.

    A request naming its caller (`Authorization`) goes on to the route, which authenticates
    it, as does a request of a file that is not code (the route's own 404, counted as it
    counts it).
    """

    def __init__(
        self,
        read_script_code: ReadScriptCode,
        limits: RateLimits,
        trusted_proxies: Sequence[Network],
        channel: Channel = Channel.STABLE,
    ) -> None:
        """`channel`: the one of the route it answers (`latest_code` or `beta_code`)."""
        self._read_script_code = read_script_code
        self._limits = limits
        self._trusted = trusted_proxies
        self._channel = channel

    async def __call__(
        self, scope: HTTPScope, params: Mapping[str, Any], headers: Mapping[str, str], send: Send
    ) -> bool:
        if "authorization" in headers:
            return False
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
                channel=self._channel,
            )
        except NotFoundError:
            return False
        try:
            read = await self._read_script_code.execute(query)
        except Exception as error:  # noqa: BLE001 - answered as the app's handlers answer it
            await send_error_problem(scope, send, error)
            return True
        keep_rate_state(scope, read.rate)
        coded = code_answer(scope["method"], read.served, REVALIDATE, vary_accept=on_code_url)
        headers_out = [(k.encode(), v.encode()) for k, v in coded.headers.items()]
        await send_answer(send, coded.status, headers_out, coded.body)
        return True
