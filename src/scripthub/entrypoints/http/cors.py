"""CORS: Litestar's policy, with refused preflights answered as problem+json."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from scripthub.entrypoints.http.problems import send_problem

REFUSAL_PREFIX = b"Disallowed CORS "
_REFUSED_PARTS = {"Origin": "origin", "method": "method", "headers": "headers"}


class PreflightRefusalAsProblem:
    """Litestar refuses a CORS preflight with a plain-text 400 ("Disallowed CORS Origin")
    from inside its own CORS middleware, before any exception handler or middleware of ours
    could see it; this wraps the app's ASGI handler and turns that answer into the API's
    problem+json. Only OPTIONS requests pay for the check."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "OPTIONS":
            await self._app(scope, receive, send)
            return
        held: list[Message] = []

        async def send_refusal_as_problem(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 400:
                held.append(message)  # a refusal or our own problem: the body tells
                return
            if held and message["type"] == "http.response.body":
                body = message.get("body", b"")
                if body.startswith(REFUSAL_PREFIX):
                    await send_problem(send, 400, "bad_request", _refusal_detail(body))
                    return
                await send(held.pop())
            await send(message)

        await self._app(scope, receive, send_refusal_as_problem)


def _refusal_detail(body: bytes) -> str:
    reasons = body.removeprefix(REFUSAL_PREFIX).decode("latin-1").split(", ")
    refused = [_REFUSED_PARTS.get(reason, reason) for reason in reasons]
    return (
        f"CORS preflight refused: this {' and '.join(refused)} "
        f"{'is' if len(refused) == 1 else 'are'} not allowed (SCRIPTHUB_CORS_ORIGINS)."
    )
