"""Bridge from the dependency-injector container to Litestar's dependency injection.

Handlers never see the container: each use case is exposed as a named Litestar dependency
built per request with a fresh unit of work (dependency-injector has no request scope).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from scripthub.application.auth.principal import Principal
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.container import Container
from scripthub.entrypoints.http.client import request_context
from scripthub.entrypoints.http.problems import MissingBearerTokenError

# Use cases that touch the relational store get the request's unit of work.
USE_CASES_WITH_UOW = (
    "register_user",
    "log_in",
    "refresh_session",
    "log_out",
    "end_session",
    "get_own_user",
    "update_own_user",
    "delete_own_account",
    "get_own_permissions",
    "get_public_user",
)
USE_CASES_WITHOUT_UOW = ("list_sessions",)
# OpenAPI: routes that take the `principal` dependency declare this.
BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


def _with_uow(factory: Callable[..., Any]) -> Provide:
    def build(uow: NamedDependency[Any]) -> Any:  # a Protocol cannot be validated at run time
        return factory(uow=uow)

    return Provide(build, sync_to_thread=False)


def _without_uow(factory: Callable[..., Any]) -> Provide:
    def build() -> Any:
        return factory()

    return Provide(build, sync_to_thread=False)


def build_dependencies(container: Container) -> dict[str, Provide]:
    trusted = container.settings().trusted_proxies
    authenticate = container.authenticate_request()

    def provide_uow() -> UnitOfWork:
        unit_of_work: UnitOfWork = container.unit_of_work()
        return unit_of_work

    async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise MissingBearerTokenError("Sign in: this needs an 'Authorization: Bearer' token.")
        return await authenticate.execute(token.strip())

    def provide_context(request: Request[Any, Any, Any]) -> RequestContext:
        return request_context(request.scope, trusted)

    dependencies = {
        "uow": Provide(provide_uow, sync_to_thread=False),
        "principal": Provide(provide_principal),
        "context": Provide(provide_context, sync_to_thread=False),
    }
    for name in USE_CASES_WITH_UOW:
        dependencies[name] = _with_uow(getattr(container, name))
    for name in USE_CASES_WITHOUT_UOW:
        dependencies[name] = _without_uow(getattr(container, name))
    return dependencies
