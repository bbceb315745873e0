"""/api/users: one's own account and public profiles."""

from __future__ import annotations

import msgspec
from litestar import Controller, delete, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from scripthub.application.accounts import Principal
from scripthub.application.users.delete_own_account import (
    DeleteOwnAccount,
    DeleteOwnAccountCommand,
)
from scripthub.application.users.get_own_user import GetOwnUser, GetOwnUserQuery
from scripthub.application.users.get_public_user import GetPublicUser, GetPublicUserQuery
from scripthub.application.users.update_own_user import UpdateOwnUser, UpdateOwnUserCommand
from scripthub.domain.audit import RequestContext
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.paths import UserIdOrUsername
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


class UsersController(Controller):
    path = "/api/users"
    tags = ("users",)

    @get("/me", summary="Your own account", security=BEARER_SECURITY)
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
