"""An outage's end is said when the endpoint that met it answers again: a request whose
client left, or whose body the server cut, never reached its answer and says nothing."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from scripthub.domain.errors import ServiceUnavailableError
from scripthub.entrypoints.http.traffic import Traffic
from scripthub.entrypoints.outages import RequestOutages


def _answering(status: int) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        scope["path_template"] = "/upload"
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


async def _request(traffic: Traffic) -> None:
    scope = {"type": "http", "method": "POST", "path": "/upload", "headers": [], "state": {}}

    async def receive() -> Any:
        return {"type": "http.disconnect"}

    async def send(_: Any) -> None:
        return None

    await traffic(scope, receive, send)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [499, 408])
async def test_a_request_left_unanswered_does_not_end_an_outage(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("tests.outages")
    caplog.set_level(logging.INFO, logger=logger.name)
    outages = RequestOutages(logger)
    outages.failed("POST /upload", ServiceUnavailableError("database unavailable"))

    await _request(Traffic(_answering(status), None, outages, trusted_proxies=()))  # type: ignore[arg-type]
    assert not [r for r in caplog.records if "is over" in r.getMessage()]
    await _request(Traffic(_answering(201), None, outages, trusted_proxies=()))  # type: ignore[arg-type]

    [ended] = [r.getMessage() for r in caplog.records if "is over" in r.getMessage()]
    assert ended == "database unavailable is over: POST /upload answered 201"
