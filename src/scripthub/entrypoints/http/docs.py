"""The interactive API docs page: Swagger UI 5, which reads OpenAPI 3.1, served from the installed
package (`swagger-ui-bundle-v2`): nothing is loaded from outside this server."""

from __future__ import annotations

from litestar import Response, Router, get
from litestar.enums import MediaType
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

from scripthub.entrypoints.http.security_headers import OWN_CACHE_RULES

# Swagger UI sets inline styles, and its stylesheet draws icons from data: URLs.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
PAGE_POLICIES = {"/docs": DOCS_POLICY}
"""The Content-Security-Policy of every HTML page, by path template: `/docs` is the only one."""

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>ScriptHub API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="stylesheet" href="/docs/assets/index.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
"""
# A file, not an inline script, so that the page's policy needs no 'unsafe-inline'. The
# operation ids are shown: they are the names a generated client gives its calls.
START = """window.ui = SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  displayOperationId: true,
  validatorUrl: null
});
"""


@get("/docs", include_in_schema=False, sync_to_thread=False)
def docs_page() -> Response[str]:
    return Response(PAGE, media_type=MediaType.HTML)


@get("/", include_in_schema=False, sync_to_thread=False)
def front_door() -> Redirect:
    """Someone who opens the server's address in a browser lands on the docs."""
    return Redirect("/docs", status_code=302)


@get("/docs/start.js", include_in_schema=False, sync_to_thread=False)
def docs_start() -> Response[str]:
    return Response(START, media_type="text/javascript")


def docs_router() -> Router:
    assets = create_static_files_router(
        path="/docs/assets",
        directories=[swagger_ui_path],
        include_in_schema=False,
        opt=dict(OWN_CACHE_RULES),
    )
    return Router(path="/", route_handlers=[front_door, docs_page, docs_start, assets])
