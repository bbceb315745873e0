"""Prometheus metrics: request counts and latencies by route template, refused sign-ins."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from litestar import Response, get
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "scripthub_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
LATENCY = Histogram(
    "scripthub_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
LOGIN_THROTTLED = Counter(
    "scripthub_login_throttled_total",
    "Sign-ins refused unchecked: the client failed too often for that account",
)

_METHODS = frozenset(method.value for method in HttpMethod)


# `labels()` validates and locks on every call; the label sets are few, so keep each child.
@functools.cache
def _request_counter(method: str, route: str, status: int) -> Counter:
    return REQUESTS.labels(method, route, str(status))


@functools.cache
def _latency_histogram(method: str, route: str) -> Histogram:
    return LATENCY.labels(method, route)


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency; `route` is a path template, not a path."""
    # A request no route matched may carry any method token: keep the label set bounded.
    method = method if method in _METHODS else "other"
    _request_counter(method, route, status).inc()
    _latency_histogram(method, route).observe(seconds)


def metrics_handler(before_scrape: Callable[[], Awaitable[None]]) -> HTTPRouteHandler:
    """/metrics, after `before_scrape` has set the gauges read at scrape time."""

    @get("/metrics", include_in_schema=False)
    async def metrics() -> Response[bytes]:
        await before_scrape()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return metrics
