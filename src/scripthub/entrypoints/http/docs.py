"""An interactive API docs page (Swagger UI) served from the installed package: no CDN."""

from __future__ import annotations

from litestar import Litestar, Response, Router, get
from litestar.enums import MediaType
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

from scripthub.entrypoints.http.security_headers import OWN_CACHE_RULES

# Swagger UI sets inline styles, and its stylesheet draws icons from data: URLs.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
# Litestar's own pages load their scripts, styles and fonts from CDNs and start them inline;
# they keep working, and only framing is refused.
CDN_PAGES_POLICY = "frame-ancestors 'none'"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>ScriptHub API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
"""
# A file, not an inline script, so that the page's policy needs no 'unsafe-inline'.
START = """window.ui = SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "BaseLayout",
  deepLinking: true,
  validatorUrl: null
});
"""


@get("/docs", include_in_schema=False, sync_to_thread=False)
def docs_page() -> Response[str]:
    return Response(PAGE, media_type=MediaType.HTML)


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
    return Router(path="/", route_handlers=[docs_page, docs_start, assets])


def page_policies(app: Litestar) -> dict[str, str]:
    """The Content-Security-Policy of every HTML page, by path template: the docs page and
    Litestar's pages under the OpenAPI path (all its routes there but the documents)."""
    policies = {"/docs": DOCS_POLICY}
    config = app.openapi_config
    if config is None:
        return policies
    documents = {
        f"{config.path}{path}"
        for plugin in config.render_plugins
        if plugin.media_type != MediaType.HTML
        for path in plugin.paths
    }
    for route in app.routes:
        template = route.path_format
        if template not in documents and f"{template}/".startswith(f"{config.path}/"):
            policies[template] = CDN_PAGES_POLICY
    return policies
