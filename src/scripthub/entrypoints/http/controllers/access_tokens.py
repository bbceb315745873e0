"""/api/users/me/tokens: one's personal access tokens (managed with a session only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from scripthub.application.access_tokens.create_access_token import (
    CreateAccessToken,
    CreateAccessTokenCommand,
)
from scripthub.application.access_tokens.list_access_tokens import (
    ListAccessTokens,
    ListAccessTokensQuery,
)
from scripthub.application.access_tokens.revoke_access_token import (
    RevokeAccessToken,
    RevokeAccessTokenCommand,
)
from scripthub.application.accounts import Principal
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.body_problems import STRICT_BODY
from scripthub.entrypoints.http.paths import TokenId, id_or_404
from scripthub.entrypoints.http.schemas.access_tokens import (
    AccessTokenList,
    CreatedAccessTokenOut,
    NewAccessTokenBody,
    access_token_out,
    created_access_token_out,
)
from scripthub.entrypoints.http.schemas.script_changes import strictly


class AccessTokensController(Controller):
    path = "/api/users/me/tokens"
    tags = ("tokens",)
    security = BEARER_SECURITY

    @post(
        summary="Make a personal access token (its secret is shown once)",
        opt={STRICT_BODY: True},
    )
    async def create_access_token(
        self,
        data: JSONBody[NewAccessTokenBody],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        create_access_token: NamedDependency[CreateAccessToken],
        context: NamedDependency[RequestContext],
    ) -> CreatedAccessTokenOut:
        # Strictly: `"90"` is not a number of days.
        data = strictly(await request.json(), NewAccessTokenBody)
        command = CreateAccessTokenCommand(
            principal,
            name=data.name,
            scopes=data.scopes,
            script_ids=data.script_ids,
            expires_in_days=data.expires_in_days,
            context=context,
        )
        return created_access_token_out(await create_access_token.execute(command))

    @get(summary="Your personal access tokens, newest first")
    async def list_access_tokens(
        self,
        principal: NamedDependency[Principal],
        list_access_tokens: NamedDependency[ListAccessTokens],
    ) -> AccessTokenList:
        tokens = await list_access_tokens.execute(ListAccessTokensQuery(principal))
        return AccessTokenList([access_token_out(token) for token in tokens])

    @delete("/{token_id:str}", summary="Revoke one of your personal access tokens")
    async def revoke_access_token(
        self,
        token_id: TokenId,
        principal: NamedDependency[Principal],
        revoke_access_token: NamedDependency[RevokeAccessToken],
        context: NamedDependency[RequestContext],
    ) -> None:
        command = RevokeAccessTokenCommand(principal, id_or_404(token_id, "Token"), context)
        await revoke_access_token.execute(command)
