"""Path and query values that name things: a malformed id names nothing, so it is a 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar.params import Parameter

from scripthub.application.pagination import MAX_PAGE_SIZE
from scripthub.domain.errors import NotFoundError

PageSize = Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE, description="Page size")]


def id_or_404(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFoundError(f"{what} not found.") from None
