"""Lanes: the most frequent requests of a few routes, answered below Litestar.

A lane answers its route's requests as the route does (the same use case, answer and
problems, the same rate-limit count), without Litestar's middleware, dependency resolution
and response objects, which cost a quarter of GET /api/users/me's CPU and more of an update
check's (bench/README.md: update checks, GET /api/users/me). Each lane is held byte for byte
to its route by a test (tests/api/test_update_checks_api.py, test_own_user_lane_api.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from litestar import Litestar
from litestar.enums import HttpMethod, ScopeType
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send
from litestar.utils import normalize_path

GET_AND_HEAD = frozenset({HttpMethod.GET, HttpMethod.HEAD})
"""The methods lanes take: requests without a body, so Litestar's body checks never apply."""
_PLAIN_HOST = re.compile(rb"[0-9A-Za-z.:\[\]-]*")
"""A host Litestar's router surely accepts; another goes on to it, to be judged there."""


class Lane(Protocol):
    async def __call__(
        self,
        scope: HTTPScope,
        params: Mapping[str, Any],
        headers: Mapping[str, str],
        send: Send,
        /,
    ) -> bool:
        """Answer a request of the lane's route and say True; or send nothing and say False,
        and the app answers it. `params`: the route's path parameters; `headers`: the first
        line of each request header, by its lower-case name."""
        ...


class Lanes:
    """Wraps the app (inside `Traffic`, so the access log, metrics and `RateLimit-*` headers
    are the same whoever answers): hands a lane the GET and HEAD requests of its route.

    The route is the one Litestar's own router finds, and the lane finds the scope as the
    router leaves it (the route's handler, path and path template, for the layers outside).
    A request from a page (with `Origin`) is CORS's, so it goes on to the app, as does every
    request a lane leaves.
    """

    def __init__(self, app: ASGIApp, litestar: Litestar, lanes: Mapping[str, Lane]) -> None:
        """`lanes`: each under a path its route answers (so Litestar's router names the route's
        handler)."""
        self._app = app
        self._router = litestar.asgi_router
        self._lanes: dict[object, Lane] = {}
        prefixes = []
        for path, lane in lanes.items():
            _, handler, _, _, template = self._router.handle_routing(path, HttpMethod.GET)
            self._lanes[handler] = lane
            prefixes.append(template.partition("{")[0])
        # What the paths of the lanes' routes start with: no other request is routed twice.
        self._prefixes = tuple(prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == ScopeType.HTTP
            and scope["method"] in GET_AND_HEAD
            and scope["path"].startswith(self._prefixes)
            and (headers := _lane_headers(scope)) is not None
            and (routed := self._routed(scope)) is not None
        ):
            lane, params = routed
            if await lane(scope, params, headers, send):
                return
        await self._app(scope, receive, send)

    def _routed(self, scope: HTTPScope) -> tuple[Lane, dict[str, Any]] | None:
        """The lane of the request's route and its path parameters, if it has one; the scope
        as the router leaves it for that route."""
        if scope.get("root_path"):
            return None
        try:
            _, handler, path, params, template = self._router.handle_routing(
                normalize_path(scope["path"]), scope["method"]
            )
        except (NotFoundException, MethodNotAllowedException):
            return None
        lane = self._lanes.get(handler)
        if lane is None:
            return None
        scope["route_handler"] = handler
        scope["path"] = path
        scope["path_params"] = params
        scope["path_template"] = template
        return lane, params


def _lane_headers(scope: HTTPScope) -> dict[str, str] | None:
    """The request's headers, unless it is from a page or names an unusual host."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name == b"origin" or (name == b"host" and not _PLAIN_HOST.fullmatch(value)):
            return None
        # The first of repeated lines, as Litestar's `headers.get` reads.
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return headers


async def send_answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """A lane's answer, in the two messages Litestar's responses send."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
