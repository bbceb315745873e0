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
from scripthub.entrypoints.http.auth import authenticate
from scripthub.entrypoints.http.client import request_context

# Use cases that touch the relational store get the request's unit of work.
USE_CASES_WITH_UOW = (
    "register_user",
    "log_in",
    "refresh_session",
    "log_out",
    "end_session",
    "update_own_user",
    "delete_own_account",
    "get_public_user",
    "list_users",
    "change_account_status",
    "change_user_role",
    "list_roles",
    "create_role",
    "set_role_permissions",
    "delete_role",
    "list_permissions",
    "create_permission",
    "list_audit_entries",
    "verify_email",
    "resend_verification_email",
    "request_password_reset",
    "reset_password",
    "change_password",
)
USE_CASES_WITHOUT_UOW = ("list_sessions", "authorizer", "get_own_user")


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

    def provide_uow() -> UnitOfWork:
        unit_of_work: UnitOfWork = container.unit_of_work()
        return unit_of_work

    async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
        return await authenticate(request)

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
