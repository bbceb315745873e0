"""The request's id is the handler's to read, and the one its answer carries."""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar.types import Message, Receive, Scope, Send

from scripthub.entrypoints.http.client import REQUEST_ID_STATE
from scripthub.entrypoints.http.security_headers import SecurityHeaders


async def _answer(peer: str, given: bytes) -> tuple[str, dict[bytes, bytes]]:
    seen: list[str] = []
    sent: list[Message] = []

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["state"][REQUEST_ID_STATE])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def record(message: Message) -> None:
        sent.append(message)

    wrapped = SecurityHeaders(
        handler,
        production=False,
        trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),),
        page_policies={},
    )
    scope: Any = {
        "type": "http",
        "path": "/",
        "client": (peer, 1234),
        "headers": [(b"x-request-id", given)],
        "state": {},
    }
    await wrapped(scope, None, record)  # type: ignore[arg-type]
    return seen[0], dict(sent[0]["headers"])


async def test_the_handler_reads_the_id_its_proxy_gave() -> None:
    seen, headers = await _answer("10.1.2.3", b"lb-42")

    assert seen == "lb-42"
    assert headers[b"x-request-id"] == b"lb-42"


async def test_the_handler_reads_the_id_made_for_it() -> None:
    seen, headers = await _answer("203.0.113.9", b"lb-42")

    assert seen != "lb-42"
    assert headers[b"x-request-id"] == seen.encode()
