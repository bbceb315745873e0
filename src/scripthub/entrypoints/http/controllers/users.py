"""/api/users: one's own account and public profiles; and the lane that answers the reads of
one's own account without Litestar's machinery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Controller, delete, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.serialization import encode_json
from litestar.types import HTTPScope, Send

from scripthub.application.accounts import Principal
from scripthub.application.auth.authenticate_request import AuthenticateRequest
from scripthub.application.users.delete_own_account import (
    DeleteOwnAccount,
    DeleteOwnAccountCommand,
)
from scripthub.application.users.get_own_user import GetOwnUser, GetOwnUserQuery
from scripthub.application.users.get_public_user import GetPublicUser, GetPublicUserQuery
from scripthub.application.users.update_own_user import UpdateOwnUser, UpdateOwnUserCommand
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.http.auth import BEARER_SECURITY, signed_in
from scripthub.entrypoints.http.lanes import send_answer
from scripthub.entrypoints.http.paths import UserIdOrUsername
from scripthub.entrypoints.http.problems import send_error_problem
from scripthub.entrypoints.http.rate_limits import RateLimits
from scripthub.entrypoints.http.schemas.users import (
    DeleteAccountBody,
    PermissionsOut,
    PublicUserOut,
    UserOut,
    UserPatch,
    permissions_out,
    public_user_out,
    user_out,
)
from scripthub.entrypoints.http.token_routes import token_usable


class UsersController(Controller):
    path = "/api/users"
    tags = ("users",)

    @get(
        "/me",
        summary="Your own account",
        security=BEARER_SECURITY,
        opt=token_usable(None),
    )
    async def get_own_user(
        self, principal: NamedDependency[Principal], get_own_user: NamedDependency[GetOwnUser]
    ) -> UserOut:
        return user_out(await get_own_user.execute(GetOwnUserQuery(principal)))

    @patch("/me", summary="Change your username or profile", security=BEARER_SECURITY)
    async def update_own_user(
        self,
        data: JSONBody[UserPatch],
        principal: NamedDependency[Principal],
        update_own_user: NamedDependency[UpdateOwnUser],
        context: NamedDependency[RequestContext],
    ) -> UserOut:
        command = UpdateOwnUserCommand(
            principal,
            username=None if data.username is msgspec.UNSET else data.username,
            profile_changes={} if data.profile is msgspec.UNSET else data.profile.changes(),
            context=context,
        )
        return user_out(await update_own_user.execute(command))

    @delete("/me", summary="Delete your account", security=BEARER_SECURITY)
    async def delete_own_user(
        self,
        principal: NamedDependency[Principal],
        delete_own_account: NamedDependency[DeleteOwnAccount],
        context: NamedDependency[RequestContext],
        data: JSONBody[DeleteAccountBody | None] = None,
    ) -> None:
        command = DeleteOwnAccountCommand(principal, data.password if data else None, context)
        await delete_own_account.execute(command)

    @get("/me/permissions", summary="Your roles and permissions", security=BEARER_SECURITY)
    async def get_own_permissions(self, principal: NamedDependency[Principal]) -> PermissionsOut:
        # The grants come with the authenticated principal: no query on a cache hit.
        return permissions_out(principal.grants)

    @get("/{id_or_username:str}", summary="A user's public profile")
    async def get_user(
        self, id_or_username: UserIdOrUsername, get_public_user: NamedDependency[GetPublicUser]
    ) -> PublicUserOut:
        return public_user_out(await get_public_user.execute(GetPublicUserQuery(id_or_username)))


OWN_USER_PATH = "/api/users/me"
"""The path of the route `OwnUserLane` answers for (see `Lanes`)."""
_JSON_HEADER = (b"content-type", b"application/json")


class OwnUserLane:
    """The lane (see `Lanes`) of `get_own_user`, which apps call on every start and often
    after: counts, authenticates and answers the request as the route does, in the rate-limit
    gate's round trip and the account's one statement. Through Litestar its middleware,
    dependencies and response objects cost a quarter of the request's CPU (bench/README.md,
    GET /api/users/me)."""

    def __init__(
        self,
        limits: RateLimits,
        authenticate_request: AuthenticateRequest,
        get_own_user: GetOwnUser,
    ) -> None:
        self._limits = limits
        self._authenticate_request = authenticate_request
        self._get_own_user = get_own_user

    async def __call__(
        self, scope: HTTPScope, _params: Mapping[str, Any], _headers: Mapping[str, str], send: Send
    ) -> bool:
        try:
            refusal = await self._limits.admit_routed(scope)
            if refusal:
                await refusal.send(send)
                return True
            principal = await signed_in(scope, self._authenticate_request)
            body = encode_json(
                user_out(await self._get_own_user.execute(GetOwnUserQuery(principal)))
            )
        except Exception as error:  # noqa: BLE001 - answered as the app's handlers answer it
            await send_error_problem(scope, send, error)
            return True
        await send_answer(send, 200, [_JSON_HEADER, (b"content-length", b"%d" % len(body))], body)
        return True
