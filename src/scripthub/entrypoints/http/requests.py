"""The request class of the app: JSON bodies that cannot be decoded are a client's mistake."""

from __future__ import annotations

from typing import Any

from litestar import Request

from scripthub.domain.errors import BadRequestError

MAX_BODY_BYTES = 1024 * 1024
"""Request bodies past this are 413 `payload_too_large`, except where a route says otherwise."""


class JsonRequest(Request[Any, Any, Any]):
    """Litestar lets invalid UTF-8 and absurdly deep nesting escape as 500s; they are 400s."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except UnicodeDecodeError:
            raise BadRequestError("The body is not valid UTF-8 JSON.") from None
        except RecursionError:
            raise BadRequestError("The body's JSON is nested too deeply.") from None
