"""Authentication and permission checks at the HTTP edge.

The principal is worked out once per request (by the rate-limit gate, which counts the request
in the same store round trip, or else by a guard or the `principal` or `viewer` dependency,
whichever asks first) and kept in the request's scope.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard, Scope
from structlog.contextvars import bind_contextvars

from scripthub.application.accounts import Principal
from scripthub.application.auth.authenticate_request import (
    AuthenticateRequest,
    AuthenticateRequestQuery,
    Authentication,
)
from scripthub.domain.roles import SEEDED_PERMISSIONS, Permission
from scripthub.entrypoints.http.client import request_context
from scripthub.entrypoints.http.problems import MissingBearerTokenError
from scripthub.entrypoints.http.token_routes import require_token_use

if TYPE_CHECKING:  # not at run time: `scripthub serve`'s supervisor loads this, not the app
    from scripthub.entrypoints.containers import Container

AnyConnection = ASGIConnection[Any, Any, Any, Any]
# OpenAPI: routes that need a bearer token declare this.
BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
OPTIONAL_BEARER: list[dict[str, list[str]]] = [*BEARER_SECURITY, {}]
"""OpenAPI: anonymous callers may use the route; a bearer token may show them more."""
_AUTHENTICATION = "scripthub.authentication"


def container_of(connection: AnyConnection) -> Container:
    container: Container = connection.app.state.container
    return container


def bearer_token(scope: Scope) -> str | None:
    """The token of an `Authorization: Bearer` header, if the request has one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


def remember(scope: Scope, authentication: Authentication) -> None:
    """Keep the request's authentication (the rate-limit gate may make it, with the count);
    the log lines that follow name its user."""
    scope["state"][_AUTHENTICATION] = authentication
    if authentication.principal is not None:
        bind_contextvars(user_id=str(authentication.principal.user_id))


def user_id_of(scope: Scope) -> str | None:
    """The id of the request's signed-in user, if it has been worked out."""
    authentication: Authentication | None = scope["state"].get(_AUTHENTICATION)
    if authentication is None or authentication.principal is None:
        return None
    return str(authentication.principal.user_id)


def token_id_of(scope: Scope) -> uuid.UUID | None:
    """The id of the personal access token the request was authenticated with, if any (and
    if it has been worked out)."""
    authentication: Authentication | None = scope["state"].get(_AUTHENTICATION)
    if authentication is None or authentication.principal is None:
        return None
    token = authentication.principal.token
    return None if token is None else token.token_id


async def signed_in(scope: Scope, authenticate_request: AuthenticateRequest) -> Principal:
    """The request's caller, authenticated now unless it was already (by the rate-limit
    gate); 401 for a request without a good bearer token, 403 `token_scope` for a personal
    access token the route is not for (see `token_routes`)."""
    # `scope["state"]` is a plain dict: `connection.state` wraps it anew per use.
    authentication: Authentication | None = scope["state"].get(_AUTHENTICATION)
    if authentication is None:
        token = bearer_token(scope)
        if token is None:
            raise MissingBearerTokenError("Sign in: this needs an 'Authorization: Bearer' token.")
        authentication = await authenticate_request.execute(AuthenticateRequestQuery(token))
        remember(scope, authentication)
    principal = authentication.require_principal()
    require_token_use(scope, principal)
    return principal


async def authenticate(connection: AnyConnection) -> Principal:
    return await signed_in(
        connection.scope, container_of(connection).use_cases.authenticate_request()
    )


async def authenticate_optional(connection: AnyConnection) -> Principal | None:
    """The caller of a route that also answers anonymous callers: None without an
    `Authorization: Bearer` header; a token that is sent must be good (401 otherwise, as on
    every route), so that an expired token is never mistaken for "anonymous"."""
    if _AUTHENTICATION not in connection.scope["state"] and bearer_token(connection.scope) is None:
        return None
    return await authenticate(connection)


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
