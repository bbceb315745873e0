"""What sending a script's bytes costs by itself: a bare ASGI app (no framework) answering
`GET /{id}.js` with the code seed_script.py stored in `code-{id}.js` of the working folder,
read into memory at start-up. Served by serve.py as the product is (uvicorn, its access line),
it is the copy that script_code.py's downloads part takes off the product's CPU per download
when it compares a 2 MiB download with a 1 KiB one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FILES = {
    f"/{path.name.removeprefix('code-')}": path.read_bytes()
    for path in Path.cwd().glob("code-*.js")
}


async def app(scope: dict[str, Any], _receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = FILES.get(scope["path"])
    status = 404 if body is None else 200
    body = body or b""
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"%d" % len(body)),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
