"""Authentication and permission checks at the HTTP edge.

The principal is worked out once per request (by a guard or by the `principal` dependency,
whichever asks first) and kept on the connection.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from scripthub.application.accounts import Principal
from scripthub.entrypoints.container import Container
from scripthub.entrypoints.http.client import request_context
from scripthub.entrypoints.http.problems import MissingBearerTokenError

AnyConnection = ASGIConnection[Any, Any, Any, Any]
# OpenAPI: routes that need a bearer token declare this.
BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


def container_of(connection: AnyConnection) -> Container:
    container: Container = connection.app.state.container
    return container


async def authenticate(connection: AnyConnection) -> Principal:
    state = connection.scope["state"]  # a plain dict: `connection.state` wraps it anew per use
    cached: Principal | None = state.get("principal")
    if cached is not None:
        return cached
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingBearerTokenError("Sign in: this needs an 'Authorization: Bearer' token.")
    principal = await container_of(connection).authenticate_request().execute(token.strip())
    state["principal"] = principal
    return principal


def requires(permission: str) -> Guard:
    """A route guard: the caller must be signed in and hold `permission`."""

    async def guard(connection: AnyConnection, _: BaseRouteHandler) -> None:
        principal = await authenticate(connection)
        container = container_of(connection)
        context = request_context(connection.scope, container.settings().trusted_proxies)
        await container.authorizer().require(principal, permission, context)

    return guard
