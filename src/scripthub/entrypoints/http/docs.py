"""An interactive API docs page (Swagger UI) served from the installed package: no CDN."""

from __future__ import annotations

from litestar import Response, Router, get
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

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
  <script>
    window.ui = SwaggerUIBundle({
      url: "/schema/openapi.json",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "BaseLayout",
      deepLinking: true
    });
  </script>
</body>
</html>
"""


@get("/docs", include_in_schema=False, sync_to_thread=False)
def docs_page() -> Response[str]:
    return Response(PAGE, media_type="text/html")


def docs_router() -> Router:
    assets = create_static_files_router(
        path="/docs/assets", directories=[swagger_ui_path], include_in_schema=False
    )
    return Router(path="/", route_handlers=[docs_page, assets])
