"""Path and query values that name things: a malformed id names nothing, so it is a 404.

A path segment has one parameter name on every route that shares it (OpenAPI holds a path
template once, and a client generator names its arguments by it): the segment after
`/api/scripts/` is `id_or_slug` and the one after `/api/users/` is `id_or_username`, also on
the routes that take only the id, whose description says so.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar.params import Parameter, PathParameter, QueryParameter

from scripthub.application.pagination import MAX_PAGE_SIZE
from scripthub.application.scripts.list_scripts import MAX_SEARCH_LENGTH
from scripthub.domain.errors import NotFoundError
from scripthub.domain.sites import MAX_HOST_LENGTH

PageSize = Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
SearchText = Annotated[
    str | None,
    # Stated, not checked here: the use case refuses a longer text (400).
    QueryParameter(description="Words to look for", schema_extra={"maxLength": MAX_SEARCH_LENGTH}),
]
SiteName = Annotated[
    str | None,
    # Stated, not checked here: the use case refuses what is not a host name (400).
    QueryParameter(
        description="A host: the scripts whose @match or @include apply to it",
        schema_extra={"maxLength": MAX_HOST_LENGTH, "examples": ["youtube.com"]},
    ),
]
_ONLY_THE_ID = "; on this route only the id names it (anything else is 404)"
_UUID = {"format": "uuid"}
ScriptIdOrSlug = Annotated[str, PathParameter(description="The script's id or slug")]
ScriptId = Annotated[
    str, PathParameter(description=f"The script's id{_ONLY_THE_ID}", schema_extra=_UUID)
]
UserIdOrUsername = Annotated[str, PathParameter(description="The user's id or username")]
SessionId = Annotated[
    str, PathParameter(description="The session's id (anything else is 404)", schema_extra=_UUID)
]
TokenId = Annotated[
    str, PathParameter(description="The token's id (anything else is 404)", schema_extra=_UUID)
]
UserId = Annotated[
    str, PathParameter(description=f"The user's id{_ONLY_THE_ID}", schema_extra=_UUID)
]


def id_or_404(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFoundError(f"{what} not found.") from None
