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
from scripthub.application.auth.authenticate_request import AuthenticateRequestQuery
from scripthub.domain.roles import SEEDED_PERMISSIONS, Permission
from scripthub.entrypoints.containers import Container
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
    authenticate_request = container_of(connection).use_cases.authenticate_request()
    principal: Principal = await authenticate_request.execute(
        AuthenticateRequestQuery(token.strip())
    )
    state["principal"] = principal
    return principal


def requires(permission: Permission) -> Guard:
    """A route guard: the caller must be signed in and hold `permission`. A cheap first
    filter: the use case behind the route checks again, for every caller.

    Only permissions the domain defines (and every install seeds) can guard a route; anything
    else fails when the route is declared, at start-up.
    """
    if permission not in SEEDED_PERMISSIONS:
        raise ValueError(f"{permission.name!r} is not a permission of the domain")

    async def guard(connection: AnyConnection, _: BaseRouteHandler) -> None:
        principal = await authenticate(connection)
        container = container_of(connection)
        context = request_context(connection.scope, container.settings().trusted_proxies)
        await container.use_cases.authorizer().require(principal, permission, context)

    return guard
