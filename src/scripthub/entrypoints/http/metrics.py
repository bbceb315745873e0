"""Prometheus metrics: request counts and latencies by route template, refused sign-ins.

Under `scripthub serve --workers N` every worker writes its metrics to files in the directory
named by `PROMETHEUS_MULTIPROC_DIR` (prometheus_client's multiprocess mode), and `/metrics`
adds up the files of every worker, whichever worker answers. `SCRIPTHUB_METRICS_TOKEN` keeps
them from anyone who does not send it as a bearer token.
"""

from __future__ import annotations

import functools
import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from scripthub.domain.errors import InvalidTokenError
from scripthub.entrypoints.http.auth import bearer_token
from scripthub.entrypoints.http.problems import MissingBearerTokenError
from scripthub.entrypoints.worker_environment import MULTIPROCESS_DIRECTORY

# What `generate_latest` writes. Litestar appends a charset to a `text/` media type, and
# prometheus_client's CONTENT_TYPE_LATEST already has one (and names 1.0.0 since 0.25): the
# header is set whole instead, since Prometheus refuses a repeated parameter.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

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
CLIENTS_CUT = Counter(
    "scripthub_http_clients_cut_total",
    "Connections the server closed on a client too slow or sending too large a head",
    ["reason"],
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


def _exposed_registry() -> CollectorRegistry:
    """Every worker's metrics when the server runs several, else this process's own."""
    if MULTIPROCESS_DIRECTORY not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def forget_this_process() -> None:
    """A stopping worker takes its live gauges out of the sum; its counts stay counted."""
    if MULTIPROCESS_DIRECTORY in os.environ:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def _require_token(request: Request[Any, Any, Any], expected: str) -> None:
    presented = bearer_token(request.scope)
    if presented is None:
        raise MissingBearerTokenError(
            "Send the metrics token as an 'Authorization: Bearer' header."
        )
    if not hmac.compare_digest(presented.encode("latin-1"), expected.encode()):
        raise InvalidTokenError("That is not the metrics token.")


def metrics_handler(
    token: str | None, before_scrape: Callable[[], Awaitable[None]]
) -> HTTPRouteHandler:
    """`GET /metrics`, for a bearer of `token` only when one is set, after `before_scrape` has
    set the gauges read at scrape time."""
    registry = _exposed_registry()

    @get("/metrics", include_in_schema=False)
    async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
        if token is not None:
            _require_token(request, token)
        await before_scrape()
        return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE})

    return metrics
