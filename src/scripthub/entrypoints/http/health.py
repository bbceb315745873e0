"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

from scripthub.application.ports.system import HealthProbe

READY_TIMEOUT_SECONDS = 2.0


@get(
    "/health/live",
    sync_to_thread=False,
    tags=["operations"],
    summary="Liveness: 200 while the process runs",
)
def check_liveness() -> dict[str, str]:
    return {"status": "ok"}


async def _check(probe: HealthProbe) -> str:
    try:
        healthy = await asyncio.wait_for(probe.healthy(), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        healthy = False
    return "ok" if healthy else "error"


def readiness_handler(database: HealthProbe, cache: HealthProbe) -> HTTPRouteHandler:
    @get(
        "/health/ready",
        tags=["operations"],
        summary="Readiness: whether the database and the cache answer",
    )
    async def check_readiness() -> Response[dict[str, str]]:
        body = {"database": await _check(database), "cache": await _check(cache)}
        ok = all(value == "ok" for value in body.values())
        return Response(body, status_code=200 if ok else 503)

    return check_readiness
