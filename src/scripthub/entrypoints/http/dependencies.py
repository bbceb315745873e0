"""Bridge from the dependency-injector container to Litestar's dependency injection.

Handlers never see the container: each use case is exposed as a named Litestar dependency
built per request, with a fresh unit of work where it needs one (dependency-injector has no
request scope).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from scripthub.application.accounts import Principal
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.container import Container
from scripthub.entrypoints.http.auth import authenticate
from scripthub.entrypoints.http.client import request_context

# The use cases handlers ask for, by their container provider's name.
USE_CASES = (
    "register_user",
    "log_in",
    "refresh_session",
    "log_out",
    "list_sessions",
    "end_session",
    "get_own_user",
    "update_own_user",
    "delete_own_account",
    "get_public_user",
    "list_users",
    "change_account_status",
    "change_user_role",
    "authorizer",
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


def _use_case(factory: Any) -> Provide:
    """A use case takes the request's unit of work if its constructor has a `uow`. One that
    acts for the signed-in caller (its `execute` takes a `principal`) is built after
    `principal`: a request refused at sign-in builds nothing, and Litestar resolves the two
    one after the other rather than in an anyio task group per request, which showed on the
    hottest route (bench/README.md)."""
    needs_uow = "uow" in inspect.signature(factory.cls).parameters
    execute = getattr(factory.cls, "execute", None)
    for_caller = execute is not None and "principal" in inspect.signature(execute).parameters

    # A Protocol cannot be validated at run time, hence `Any` for the unit of work.
    def with_uow(uow: NamedDependency[Any]) -> Any:
        return factory(uow=uow)

    def for_caller_with_uow(
        uow: NamedDependency[Any],
        principal: NamedDependency[Principal],  # noqa: ARG001
    ) -> Any:
        return factory(uow=uow)

    def for_caller_alone(principal: NamedDependency[Principal]) -> Any:  # noqa: ARG001
        return factory()

    def alone() -> Any:
        return factory()

    variants: dict[tuple[bool, bool], Callable[..., Any]] = {
        (True, True): for_caller_with_uow,
        (True, False): with_uow,
        (False, True): for_caller_alone,
        (False, False): alone,
    }
    return Provide(variants[needs_uow, for_caller], sync_to_thread=False)


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
    for name in USE_CASES:
        dependencies[name] = _use_case(getattr(container, name))
    return dependencies
