"""Per-client-IP rate limits: one budget for all of /api, a tighter one for credential routes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from scripthub.application.ports.system import RateLimiter, RateLimitState
from scripthub.domain.errors import DomainError, RateLimitedError
from scripthub.entrypoints.http.client import Network, client_ip
from scripthub.entrypoints.http.problems import send_problem
from scripthub.entrypoints.settings import RateLimit

CREDENTIAL_PATHS = frozenset(
    {
        "/api/auth/login",
        "/api/auth/register",
        "/api/auth/password/forgot",
        "/api/auth/password/reset",
        "/api/auth/verify-email/resend",
    }
)


class RateLimitMiddleware:
    """Counts every /api request per client IP and answers 429 past the budget.

    Every counted response carries RateLimit-* headers for the tightest budget that applies.
    """

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        api_limit: RateLimit,
        auth_limit: RateLimit,
        trusted_proxies: Sequence[Network],
    ) -> None:
        self._app = app
        self._limiter = limiter
        self._api_limit = api_limit
        self._auth_limit = auth_limit
        self._trusted = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not scope["path"].startswith("/api/"):
            await self._app(scope, receive, send)
            return
        ip = client_ip(scope, self._trusted) or "unknown"
        try:
            state = await self._count(ip, scope["path"], scope["method"])
        except DomainError as unavailable:  # the limiter's store is down: answer like any route
            await send_problem(send, 503, unavailable.code, unavailable.detail)
            return
        headers = {
            "RateLimit-Limit": str(state.limit),
            "RateLimit-Remaining": str(state.remaining),
            "RateLimit-Reset": str(state.reset_after),
        }
        if not state.allowed:
            error = RateLimitedError(state.reset_after)
            headers["Retry-After"] = str(state.reset_after)
            await send_problem(send, 429, error.code, error.detail, headers)
            return

        # No route sets these itself, so they are appended rather than searched for.
        extra = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self._app(scope, receive, send_with_headers)

    async def _count(self, ip: str, path: str, method: str) -> RateLimitState:
        api = await self._limiter.hit(
            f"api:{ip}", self._api_limit.requests, self._api_limit.window_seconds
        )
        if method != "POST" or path not in CREDENTIAL_PATHS:
            return api
        auth = await self._limiter.hit(
            f"auth:{ip}", self._auth_limit.requests, self._auth_limit.window_seconds
        )
        return _tightest(api, auth)


def _tightest(*states: RateLimitState) -> RateLimitState:
    refused = [s for s in states if not s.allowed]
    if refused:
        return max(refused, key=lambda s: s.reset_after)
    return min(states, key=lambda s: (s.remaining, -s.reset_after))


def rate_limit_factory(**options: Any) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        return RateLimitMiddleware(app, **options)

    return factory
