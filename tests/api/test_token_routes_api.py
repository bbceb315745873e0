"""Personal access tokens are allowed on a list of routes, and refused on every other: each
/api route of the app that is not on the list answers a token 403 `token_scope` (so does a
route added later, until it declares `token_usable`)."""

from __future__ import annotations

import re
import uuid

import pytest
from litestar.routes import HTTPRoute

from tests.api.client import Api, assert_problem
from tests.api.token_calls import make_token

pytestmark = pytest.mark.parametrize("wiring_environment", ["embedded"], indirect=True)

TOKEN_ROUTES = {
    "GET /api/users/me": "any",
    "POST /api/scripts": "scripts:publish",
    "POST /api/scripts/{id_or_slug}/versions": "scripts:publish",
    "PATCH /api/scripts/{id_or_slug}": "scripts:publish",
    "GET /api/scripts/{id_or_slug}": "scripts:read",
    "GET /api/scripts/{id_or_slug}/versions": "scripts:read",
    "GET /api/scripts/{id_or_slug}/{file_name}": "scripts:read",
    "GET /api/scripts/{id_or_slug}/beta/{file_name}": "scripts:read",
    "GET /api/scripts/{id_or_slug}/versions/{version}/raw": "scripts:read",
    "GET /api/scripts/{id_or_slug}/versions/{version}/diff/{other_version}": "scripts:read",
    "GET /api/scripts/{id_or_slug}/versions.atom": "scripts:read",
    "PUT /api/scripts/{id_or_slug}/source": "scripts:publish",
    "GET /api/scripts/{id_or_slug}/source": "scripts:publish",
    "DELETE /api/scripts/{id_or_slug}/source": "scripts:publish",
    "POST /api/scripts/{id_or_slug}/source/sync": "scripts:publish",
}
_PARAMETER = re.compile(r"\{[^}]+\}")


def api_routes(api: Api) -> list[tuple[str, str, str | None]]:
    """Each /api route's method, path format and declared token use."""
    return [
        (method, route.path_format, handler.opt.get("token_use"))
        for route in api.client.app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/")
        for handler in route.route_handlers
        for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"})
    ]


async def test_only_the_listed_routes_take_tokens(api: Api) -> None:
    allowed = {f"{method} {path}": use for method, path, use in api_routes(api) if use}

    assert allowed == TOKEN_ROUTES


async def test_every_other_api_route_refuses_a_token(api: Api) -> None:
    pair = await api.verified_user()
    token = await make_token(api, pair["access_token"], scopes=["scripts:publish", "scripts:read"])
    refusing = [(m, p) for m, p, use in api_routes(api) if use is None]
    assert len(refusing) > 30

    for method, path in refusing:
        url = _PARAMETER.sub(str(uuid.uuid4()), path)
        body = {} if method in {"POST", "PUT", "PATCH", "DELETE"} else None
        response = await api.send(method, url, token["secret"], json=body)
        assert_problem(response, 403, "token_scope")
    # Nothing a token was refused changed the account: its session still works.
    assert (await api.get("/api/users/me", pair["access_token"])).status_code == 200
