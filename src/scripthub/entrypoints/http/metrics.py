"""Prometheus metrics: request counts and latencies by route template."""

from __future__ import annotations

import functools
import time

from litestar import Response, get
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "scripthub_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
LATENCY = Histogram(
    "scripthub_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)


# `labels()` validates and locks on every call; the label sets are few, so keep each child.
@functools.cache
def _request_counter(method: str, route: str, status: int) -> Counter:
    return REQUESTS.labels(method, route, str(status))


@functools.cache
def _latency_histogram(method: str, route: str) -> Histogram:
    return LATENCY.labels(method, route)


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, record_status)
        finally:
            # Templates, not raw paths, keep label cardinality bounded.
            route = scope.get("path_template") or "unmatched"
            method = scope.get("method", "")
            _request_counter(method, route, status).inc()
            _latency_histogram(method, route).observe(time.perf_counter() - started)

    return middleware


@get("/metrics", include_in_schema=False, sync_to_thread=False)
def metrics() -> Response[bytes]:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
