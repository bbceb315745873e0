"""The ceiling of the stack: a bare Litestar app answering a constant JSON document."""

from __future__ import annotations

from litestar import Litestar, get


@get("/hello", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar(route_handlers=[hello])
