"""The security headers of every answer, routed or not, and the request's `X-Request-ID`,
which every log line of the request carries.

What Helmet sets, adapted to a JSON API: nothing here is meant to be framed, sniffed, embedded
by another site or cached, except where a route says otherwise.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, clear_contextvars

from scripthub.entrypoints.http.client import (
    REQUEST_ID_STATE,
    Network,
    from_trusted_proxy,
    request_header,
)

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"

CACHE_OPTION = "own_cache_rules"
OWN_CACHE_RULES: Mapping[str, Any] = MappingProxyType({CACHE_OPTION: True})
"""`opt=OWN_CACHE_RULES`: the route sets its own `Cache-Control` (script raw and meta, static
assets); every other answer is `no-store`, since most carry tokens or personal data."""

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
NO_STORE = (b"cache-control", b"no-store")
Headers = tuple[tuple[bytes, bytes], ...]


def security_headers(*, production: bool, policy: str = API_POLICY) -> Headers:
    """The security headers of an answer under the Content-Security-Policy `policy`."""
    common: list[tuple[bytes, bytes]] = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        # Blocks only no-cors loads (<script>, <img>) from other origins: the frontend's
        # CORS fetches still read every answer.
        (b"cross-origin-resource-policy", b"same-origin"),
    ]
    if production:  # browsers ignore it over plain HTTP, so development loses nothing
        common.append((b"strict-transport-security", HSTS.encode()))
    return (*common, (b"content-security-policy", policy.encode()))


def new_request_id() -> str:
    # 32 hex digits as uuid4().hex gave, at a fifth of its CPU (no UUID object).
    return secrets.token_hex(16)


class SecurityHeaders:
    """Wraps the app's ASGI handler, outside everything else, so that no answer escapes it:
    the router's 404 and 405, refused preflights and refused budgets included.

    The headers are built once; a request pays for two lookups and its id.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        production: bool,
        trusted_proxies: Sequence[Network],
        page_policies: Mapping[str, str],
    ) -> None:
        """`page_policies`: the Content-Security-Policy of the HTML pages, by path template."""
        self._app = app
        self._trusted = trusted_proxies
        self._default = security_headers(production=production)
        self._pages = {
            path: security_headers(production=production, policy=policy)
            for path, policy in page_policies.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        scope["state"][REQUEST_ID_STATE] = request_id
        identified = (b"x-request-id", request_id.encode())

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    *message.get("headers", ()),
                    *self._pages.get(scope.get("path_template", ""), self._default),
                    identified,
                ]
                handler = scope.get("route_handler")
                if handler is None or not handler.opt.get(CACHE_OPTION):
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        # Every line logged while the request is served carries its id (and, once known,
        # its user's: see `auth.remember`).
        clear_contextvars()
        bind_contextvars(request_id=request_id)
        try:
            await self._app(scope, receive, secured)
        finally:
            clear_contextvars()

    def _request_id(self, scope: Scope) -> str:
        """The id our proxy gave the request, when it is one and the id is sane; else a new one."""
        if from_trusted_proxy(scope, self._trusted):
            given = request_header(scope, b"x-request-id")
            if given is not None and _SANE_REQUEST_ID.fullmatch(given):
                return given
        return new_request_id()
