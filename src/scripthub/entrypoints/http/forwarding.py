"""A warning for the operator who put a load balancer in front and trusted none of it."""

from __future__ import annotations

import logging

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from scripthub.entrypoints.http.client import request_header

logger = logging.getLogger(__name__)


class UntrustedForwardingWarning:
    """Wraps the app when SCRIPTHUB_TRUSTED_PROXIES is empty and logs, on the first request
    that carries X-Forwarded-For, that the header is ignored: behind a proxy every client then
    has the proxy's address, so they share one rate-limit budget and one audited IP."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._warned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self._warned
            and scope["type"] == ScopeType.HTTP
            and request_header(scope, b"x-forwarded-for") is not None
        ):
            self._warned = True
            client = scope.get("client")
            logger.warning(
                "A request from %s came with X-Forwarded-For, but SCRIPTHUB_TRUSTED_PROXIES is "
                "empty: the header is ignored and every client behind that proxy shares its "
                "address (one rate-limit budget). Set SCRIPTHUB_TRUSTED_PROXIES to the proxies' "
                "CIDRs. (Said once per process.)",
                client[0] if client else "an unknown peer",
            )
        await self._app(scope, receive, send)
