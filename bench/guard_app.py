"""The product plus two bench-only routes that differ only by a permission guard (target (d)).

    GET /api/bench/unguarded   principal dependency              -> {"ok": true}
    GET /api/bench/guarded     principal dependency + guards=[requires(PERMISSION)]

Both are registered on the real application (`create_app(build_container(load_settings()))`),
so they run behind the same middleware (metrics, rate limiter), dependencies and exception
handlers as every product route, and both authenticate through the product's `principal`
dependency. On the guarded one the guard authenticates first and the dependency then finds
the principal cached on the connection: `run.py`'s I/O check verifies that both routes do the
same Redis commands and SQL statements. The caller needs PERMISSION (`seed.py --admins`).

Served like the baselines: `python bench/serve.py guard_app:create_guard_app --factory ...`.
"""

from __future__ import annotations

from litestar import Litestar, get
from litestar.di import NamedDependency

from scripthub.application.accounts import Principal
from scripthub.domain.roles import ROLES_READ
from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.http.auth import BEARER_SECURITY, requires
from scripthub.entrypoints.settings import load_settings

PERMISSION = ROLES_READ  # what GET /api/roles and /api/permissions require
GUARDED = "/api/bench/guarded"  # run.py names both paths too
UNGUARDED = "/api/bench/unguarded"
BODY = {"ok": True}


@get(UNGUARDED, security=BEARER_SECURITY, include_in_schema=False)
async def unguarded(principal: NamedDependency[Principal]) -> dict[str, bool]:  # noqa: ARG001
    return BODY


@get(GUARDED, guards=[requires(PERMISSION)], security=BEARER_SECURITY, include_in_schema=False)
async def guarded(principal: NamedDependency[Principal]) -> dict[str, bool]:  # noqa: ARG001
    return BODY


def create_guard_app() -> Litestar:
    app = create_app(build_container(load_settings()))
    app.register(unguarded)
    app.register(guarded)
    return app
