"""What the API answers to OPTIONS: two corrections to Litestar's own answers."""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from scripthub.entrypoints.http.problems import send_problem

REFUSAL_PREFIX = b"Disallowed CORS "
_REFUSED_PARTS = {"Origin": "origin", "method": "method", "headers": "headers"}


def allowed_methods(app: Litestar) -> dict[str, str]:
    """The `Allow` value of every path template, from the app's final routes."""
    return {
        route.path_format: ", ".join(sorted(route.methods))
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }


class OptionsAnswers:
    """Wraps the app's ASGI handler; only OPTIONS requests pay for it.

    * Litestar refuses a CORS preflight with a plain-text 400 ("Disallowed CORS Origin")
      from inside its CORS middleware, where no exception handler of ours sees it: it becomes
      the API's problem+json.
    * Litestar's automatic OPTIONS answer lists only the methods of the first handler
      registered for a path (its `Allow` is computed before the path's other handlers join
      the route): it gets the path's real methods.
    """

    def __init__(self, app: ASGIApp, allowed: Mapping[str, str]) -> None:
        self._app = app
        self._allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "OPTIONS":
            await self._app(scope, receive, send)
            return
        held: list[Message] = []

        async def corrected(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 400:
                    held.append(message)  # a refusal or our own problem: the body tells
                    return
                self._correct_allow(scope, message)
            elif held and message["type"] == "http.response.body":
                body = message.get("body", b"")
                if body.startswith(REFUSAL_PREFIX):
                    await send_problem(send, 400, "bad_request", _refusal_detail(body))
                    return
                await send(held.pop())
            await send(message)

        await self._app(scope, receive, corrected)

    def _correct_allow(self, scope: Scope, message: HTTPResponseStartEvent) -> None:
        allowed = self._allowed.get(scope.get("path_template", ""))
        headers = message.get("headers", [])
        if allowed is None or not any(name == b"allow" for name, _ in headers):
            return
        message["headers"] = [
            (name, allowed.encode() if name == b"allow" else value) for name, value in headers
        ]


def _refusal_detail(body: bytes) -> str:
    reasons = body.removeprefix(REFUSAL_PREFIX).decode("latin-1").split(", ")
    refused = [_REFUSED_PARTS.get(reason, reason) for reason in reasons]
    return (
        f"CORS preflight refused: this {' and '.join(refused)} "
        f"{'is' if len(refused) == 1 else 'are'} not allowed (SCRIPTHUB_CORS_ORIGINS)."
    )
