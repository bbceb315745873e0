"""Personal access token bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar.openapi.spec import OpenAPIType, Schema

from scripthub.application.access_tokens.create_access_token import CreatedAccessToken
from scripthub.domain.access_tokens import (
    DEFAULT_EXPIRES_IN_DAYS,
    MAX_EXPIRES_IN_DAYS,
    MAX_NAME_LENGTH,
    MAX_SCRIPT_IDS,
    AccessToken,
    TokenScope,
)
from scripthub.entrypoints.http.schemas.fields import documented

TokenName = Annotated[
    str,
    documented(
        "What the token is for, trimmed; not blank; no control characters",
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        pattern=r"\S",
    ),
]
Scopes = Annotated[
    list[str],
    msgspec.Meta(min_length=1, max_length=len(TokenScope)),
    documented(
        "What the token may do, each scope once",
        items=Schema(type=OpenAPIType.STRING, enum=[scope.value for scope in TokenScope]),
    ),
]
ScriptIds = Annotated[
    list[uuid.UUID],
    msgspec.Meta(min_length=1, max_length=MAX_SCRIPT_IDS),
    documented("The caller's own scripts the token is limited to (left out: all of them)"),
]


class NewAccessTokenBody(msgspec.Struct, forbid_unknown_fields=True):
    name: TokenName
    scopes: Scopes
    script_ids: ScriptIds | None = None
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_EXPIRES_IN_DAYS)] = (
        DEFAULT_EXPIRES_IN_DAYS
    )


class AccessTokenOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    scopes: list[str]
    script_ids: list[uuid.UUID] | None
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


class CreatedAccessTokenOut(AccessTokenOut):
    secret: str
    """Shown in this answer only."""


class AccessTokenList(msgspec.Struct):
    items: list[AccessTokenOut]


def access_token_out(token: AccessToken) -> AccessTokenOut:
    return AccessTokenOut(
        id=token.id,
        name=token.name,
        scopes=[str(scope) for scope in token.scopes],
        script_ids=None if token.script_ids is None else list(token.script_ids),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
    )


def created_access_token_out(created: CreatedAccessToken) -> CreatedAccessTokenOut:
    fields = msgspec.structs.asdict(access_token_out(created.token))
    return CreatedAccessTokenOut(**fields, secret=created.secret)
