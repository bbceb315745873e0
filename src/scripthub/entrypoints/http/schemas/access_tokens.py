"""Personal access token bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from scripthub.application.access_tokens.create_access_token import CreatedAccessToken
from scripthub.domain.access_tokens import DEFAULT_EXPIRES_IN_DAYS, AccessToken


class NewAccessTokenBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    scopes: list[str]
    script_ids: list[uuid.UUID] | None = None
    expires_in_days: int = DEFAULT_EXPIRES_IN_DAYS


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
