"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

from scripthub.application.ports.system import HealthProbe

READY_TIMEOUT_SECONDS = 2.0

ReadinessCheck = Callable[[], Awaitable[str]]
"""One field of /health/ready: "ok", or what is wrong."""


@get(
    "/health/live",
    sync_to_thread=False,
    tags=["operations"],
    summary="Liveness: 200 while the process runs",
)
def check_liveness() -> dict[str, str]:
    return {"status": "ok"}


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

    @get(
        "/health/ready",
        tags=["operations"],
        summary="Readiness: whether the database, the cache and the workers are fine",
    )
    async def check_readiness() -> Response[dict[str, str]]:
        body = {name: await _run(check) for name, check in checks.items()}
        ok = all(value == "ok" for value in body.values())
        return Response(body, status_code=200 if ok else 503)

    return check_readiness
