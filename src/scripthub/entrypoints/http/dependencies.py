"""Bridge from the use-cases container to Litestar's dependency injection.

Handlers never see the container: a use case of `UseCases` (a provider whose object has an
`execute`) is a named Litestar dependency under its provider's name, provided by the router
of each controller whose handlers name it (`with_use_cases`), not app-wide: Litestar
resolves every dependency of every layer for every handler at start-up, and sixty use cases
on the app were about 6,000 resolutions, two thirds of building the app (bench/README.md).
Use cases are built once per process, so a dependency only hands out the instance.
`principal` is the signed-in caller (401 without one), `viewer` the caller of a route
anonymous callers may use too (None without a token).
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dependency_injector import providers
from litestar import Controller, Request
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler

from scripthub.application.accounts import Principal
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.containers import Container
from scripthub.entrypoints.containers.use_cases import UseCases
from scripthub.entrypoints.http.auth import authenticate, authenticate_optional, token_id_of
from scripthub.entrypoints.http.client import request_context


def _caller_field(use_case: type) -> str | None:
    """Which field of the use case's input names who asks: `principal` (or `actor`) for a
    signed-in caller, `viewer` for one who may be anonymous; None if it names nobody."""
    hints = typing.get_type_hints(use_case.execute)  # type: ignore[attr-defined]
    inputs = [hint for name, hint in hints.items() if name != "return"]
    names = {field.name for field in dataclasses.fields(inputs[0])} if inputs else set()
    if names & {"principal", "actor"}:
        return "principal"
    return "viewer" if "viewer" in names else None


def _provide(use_case: object) -> Provide:
    """A use case that acts for the caller is provided after `principal` (or `viewer`): a
    request refused at sign-in gets nothing further, and Litestar resolves the two one after
    the other rather than in an anyio task group per request, which showed on the hottest
    route (bench/README.md)."""

    def after_principal(principal: NamedDependency[Principal]) -> Any:  # noqa: ARG001
        return use_case

    def after_viewer(viewer: NamedDependency[Principal | None]) -> Any:  # noqa: ARG001
        return use_case

    def alone() -> Any:
        return use_case

    providers_by_caller: dict[str | None, Callable[..., Any]] = {
        "principal": after_principal,
        "viewer": after_viewer,
        None: alone,
    }
    return Provide(providers_by_caller[_caller_field(type(use_case))], sync_to_thread=False)


@dataclass(frozen=True)
class Frontend:
    """Where the browser flows (OAuth) end, and whether their cookies need HTTPS."""

    url: str
    secure_cookies: bool


def build_dependencies(container: Container) -> dict[str, Provide]:
    trusted = container.settings().trusted_proxies

    # The caller is provided after `context` (which it does not need), so that a handler
    # taking both has them resolved in turn, not in an anyio task group per request.
    async def provide_principal(
        request: Request[Any, Any, Any],
        context: NamedDependency[RequestContext],  # noqa: ARG001
    ) -> Principal:
        return await authenticate(request)

    async def provide_viewer(
        request: Request[Any, Any, Any],
        context: NamedDependency[RequestContext],  # noqa: ARG001
    ) -> Principal | None:
        return await authenticate_optional(request)

    def provide_context(request: Request[Any, Any, Any]) -> RequestContext:
        # A request with a bearer token was authenticated by the rate-limit gate already.
        context = request_context(request.scope, trusted)
        return dataclasses.replace(context, token_id=token_id_of(request.scope))

    settings = container.settings()
    frontend = Frontend(settings.frontend_url, secure_cookies=settings.env == "production")

    def provide_frontend() -> Frontend:
        return frontend

    return {
        "frontend": Provide(provide_frontend, sync_to_thread=False),
        "principal": Provide(provide_principal),
        "viewer": Provide(provide_viewer),
        "context": Provide(provide_context, sync_to_thread=False),
    }


def with_use_cases(controller: type[Controller], container: Container) -> type[Controller]:
    """The controller, as a subclass of this app's providing the use cases its handlers name,
    and only those; a misspelt name is provided by nobody, so it still fails at start-up."""
    named = {
        parameter
        for handler in (getattr(controller, name) for name in dir(controller))
        if isinstance(handler, HTTPRouteHandler)
        for parameter in inspect.signature(handler.fn).parameters
    }
    dependencies = {}
    for name in sorted(named):
        provider = UseCases.providers.get(name)
        if isinstance(provider, providers.Singleton):
            use_case = getattr(container.use_cases, name)()
            if hasattr(use_case, "execute"):
                dependencies[name] = _provide(use_case)
    provided = type(controller.__name__, (controller,), {"dependencies": dependencies})
    return typing.cast("type[Controller]", provided)
