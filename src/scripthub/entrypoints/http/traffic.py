"""The one layer every HTTP request passes, routed or not: the access log, metrics, RateLimit
headers (and the route's `Vary`, which CORS replaces), and the API budget for the answers no
route middleware sees (the router's own 404 and 405) or that a handler counting its own
requests answered before counting."""

from __future__ import annotations

import time
from collections.abc import Sequence

from litestar.enums import ScopeType
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send
from litestar.utils import normalize_path

from scripthub.entrypoints.http.auth import user_id_of
from scripthub.entrypoints.http.client import Network, client_ip
from scripthub.entrypoints.http.code_responses import with_route_vary
from scripthub.entrypoints.http.metrics import record_request
from scripthub.entrypoints.http.problems import unavailable_cause
from scripthub.entrypoints.http.rate_limits import (
    RateLimits,
    count_deferred_here,
    left_uncounted,
    response_headers,
)
from scripthub.entrypoints.http.requests import left_unanswered
from scripthub.entrypoints.logs import log_access
from scripthub.entrypoints.outages import RequestOutages


class Traffic:
    """Wraps the app's ASGI handler, outside CORS and the router.

    Litestar runs app-level middleware only once routing has succeeded, so `RateLimitGate`
    counts routed requests and this layer counts the rest when their answer starts: an /api
    answer given before routing (404, 405) is counted against the API budget, and replaced by
    the 429 (or 503) problem when it is over. Such an answer has no effect, so counting it
    once it is made lets nothing through. So is an answer of a `COUNTED_BY_HANDLER` route
    whose handler failed before it counted the request (a file name that names nothing).
    """

    def __init__(
        self,
        app: ASGIApp,
        limits: RateLimits,
        outages: RequestOutages,
        *,
        trusted_proxies: Sequence[Network],
    ) -> None:
        self._app = app
        self._limits = limits
        self._outages = outages
        self._trusted = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        replaced = False

        async def answer(message: Message) -> None:
            nonlocal status, replaced
            if replaced:
                return
            if message["type"] == "http.response.start":
                if _answered_before_routing(scope) or left_uncounted(scope):
                    count_deferred_here(scope)
                    refusal = await self._limits.admit(scope, None)
                    if refusal:
                        status, replaced = refusal.status, True
                        await refusal.send(send, _cors_headers(message))
                        return
                status = message["status"]
                if varied := with_route_vary(scope, message.get("headers", ())):
                    message["headers"] = varied
                if extra := response_headers(scope):
                    # No answer sets these itself, so they are appended rather than searched for.
                    message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await self._app(scope, receive, answer)
        finally:
            # Templates, not raw paths, keep label cardinality bounded.
            route = scope.get("path_template") or "unmatched"
            elapsed = time.perf_counter() - started
            record_request(scope["method"], route, status, elapsed)
            self._log_outages(f"{scope['method']} {route}", status, scope)
            self._log(scope, scope["method"], route, status, elapsed)

    def _log_outages(self, endpoint: str, status: int, scope: Scope) -> None:
        unavailable = unavailable_cause(scope) if status == HTTP_503_SERVICE_UNAVAILABLE else None
        if unavailable is not None:
            self._outages.failed(endpoint, unavailable)
        elif status < HTTP_500_INTERNAL_SERVER_ERROR and not left_unanswered(status):
            self._outages.answered(endpoint, status)

    def _log(self, scope: Scope, method: str, route: str, status: int, elapsed: float) -> None:
        """One access-log line per request; its `request_id` comes from the log context."""
        log_access(
            method,
            scope["path"],
            status,
            route=route,
            duration_ms=round(elapsed * 1000, 1),
            client_ip=client_ip(scope, self._trusted),
            user_id=user_id_of(scope),
        )


def _answered_before_routing(scope: Scope) -> bool:
    """An /api request that no route took, so `RateLimitGate` did not count it.

    CORS preflights are the browser's, not the client's: they stay uncounted, as before.
    """
    if "route_handler" in scope or not normalize_path(scope["path"]).startswith("/api/"):
        return False
    preflight = scope["method"] == "OPTIONS" and any(
        name == b"origin" for name, _ in scope["headers"]
    )
    return not preflight


def _cors_headers(start: HTTPResponseStartEvent) -> dict[str, str]:
    """The CORS layer's headers on the replaced answer: without them no browser reads it."""
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in start.get("headers", ())
        if name.startswith(b"access-control-") or name == b"vary"
    }
