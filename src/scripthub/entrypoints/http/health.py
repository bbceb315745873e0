"""Liveness and readiness probes for load balancers and orchestrators.

Both answer `HEAD` like `GET` (the same status and headers, no body): some load balancers
probe with `HEAD`. The readiness 503 is the readiness object itself, not a problem: it says
which check failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, route
from litestar.enums import HttpMethod, MediaType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec

from scripthub.application.ports.system import HealthProbe

READY_TIMEOUT_SECONDS = 2.0
GET_AND_HEAD = [HttpMethod.GET, HttpMethod.HEAD]

ReadinessCheck = Callable[[], Awaitable[str]]
"""One field of /health/ready: "ok", or what is wrong."""


class Liveness(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["ok"]


class Readiness(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The body of `/health/ready`, 200 and 503 alike, as documented (`readiness_checks` in
    `app.py` makes it; the tests hold its answers to this shape)."""

    database: Literal["ok", "error"]
    cache: Annotated[
        Literal["ok", "error"], msgspec.Meta(description="Redis; always `ok` without it")
    ]
    schema: Annotated[
        Literal["ok", "behind", "ahead", "error"],
        msgspec.Meta(
            description="the database against the code's newest migration (`behind`: run "
            "`scripthub db upgrade`; `ahead`: migrated by newer code; `error`: unreadable)"
        ),
    ]
    mail_dispatcher: (
        Annotated[
            Literal["ok", "failing", "stuck", "dead"],
            msgspec.Meta(description="only with SCRIPTHUB_MAIL_DISPATCH=in-process"),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    source_sync: (
        Annotated[
            Literal["ok", "failing", "stuck", "dead"],
            msgspec.Meta(description="only with SCRIPTHUB_SOURCE_SYNC=in-process"),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


def _answer(request: Request[Any, Any, Any], body: object, status: int) -> Response[bytes]:
    """`body` as JSON; HEAD gets the headers a GET would, `Content-Length` included, and no
    body."""
    content = msgspec.json.encode(body)
    length = str(len(content))
    if request.method == HttpMethod.HEAD:
        content = b""
    return Response(
        content, status_code=status, media_type=MediaType.JSON, headers={"content-length": length}
    )


@route(
    "/health/live",
    http_method=GET_AND_HEAD,
    sync_to_thread=False,
    tags=["operations"],
    summary="Liveness: 200 while the process runs",
    responses={
        200: ResponseSpec(Liveness, description="The process runs", generate_examples=False)
    },
)
def check_liveness(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _answer(request, {"status": "ok"}, 200)


def probed(probe: HealthProbe) -> ReadinessCheck:
    async def check() -> str:
        return "ok" if await probe.healthy() else "error"

    return check


async def _run(check: ReadinessCheck) -> str:
    try:
        return await asyncio.wait_for(check(), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        return "error"


def readiness_handler(checks: Mapping[str, ReadinessCheck]) -> HTTPRouteHandler:
    """Ready (200) when every check says "ok", else 503; the body has each check's answer."""

    @route(
        "/health/ready",
        http_method=GET_AND_HEAD,
        tags=["operations"],
        summary="Readiness: whether the database, the cache and the workers are fine",
        description=(
            f"Each field is checked with a {READY_TIMEOUT_SECONDS:g} s timeout. Not ready is a "
            "503 with the same object, saying which check failed (not problem JSON)."
        ),
        responses={
            200: ResponseSpec(
                Readiness, description="Ready: every field is `ok`", generate_examples=False
            ),
            503: ResponseSpec(
                Readiness, description="Not ready: a field is not `ok`", generate_examples=False
            ),
        },
    )
    async def check_readiness(request: Request[Any, Any, Any]) -> Response[bytes]:
        body = {name: await _run(check) for name, check in checks.items()}
        ok = all(value == "ok" for value in body.values())
        return _answer(request, body, 200 if ok else 503)

    return check_readiness
