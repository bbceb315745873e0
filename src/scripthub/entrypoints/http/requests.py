"""The request class of the app: JSON bodies that cannot be decoded are a client's mistake, and
so is a body that never arrives whole."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.exceptions import InternalServerException
from litestar.types import Scope

from scripthub.domain.errors import BadRequestError

MAX_BODY_BYTES = 1024 * 1024
"""Request bodies past this are 413 `payload_too_large`, except where a route says otherwise."""
CLIENT_CLOSED_REQUEST = 499
"""nginx's status for a request whose client left before it was answered. No one receives it;
metrics and the access log count the request under it rather than as a server error."""
REQUEST_TIMEOUT = 408
"""What a request whose body the server cut for its silence is answered and counted as."""
_CUT_STATE = "scripthub.cut_with"


class ClientDisconnectedError(Exception):
    """The connection closed before the request's body arrived whole."""


def mark_cut(state: dict[str, Any], status: int) -> None:
    """Say, in a request's scope state, that the server itself closed its connection after
    answering `status` (a body that stalled): the request is then counted under that status."""
    state[_CUT_STATE] = status


def left_unanswered(status: int) -> bool:
    """Whether a request counted under `status` lost its connection before its route answered."""
    return status in (CLIENT_CLOSED_REQUEST, REQUEST_TIMEOUT)


def disconnected_status(scope: Scope) -> int:
    """What a request whose connection closed mid-body is counted as."""
    status: int = scope["state"].get(_CUT_STATE, CLIENT_CLOSED_REQUEST)
    return status


class JsonRequest(Request[Any, Any, Any]):
    """Litestar lets invalid UTF-8 and absurdly deep nesting escape as 500s; they are 400s. A
    client that leaves mid-body is no server error either (Litestar answers it 500)."""

    async def stream(self) -> AsyncGenerator[bytes, None]:
        try:
            async for chunk in super().stream():
                yield chunk
        except InternalServerException:
            # The only one `stream` raises: the server told it the connection closed.
            raise ClientDisconnectedError from None

    async def json(self) -> Any:
        try:
            return await super().json()
        except UnicodeDecodeError:
            raise BadRequestError("The body is not valid UTF-8 JSON.") from None
        except RecursionError:
            raise BadRequestError("The body's JSON is nested too deeply.") from None
