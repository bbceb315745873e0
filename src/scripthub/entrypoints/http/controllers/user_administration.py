"""/api/users for operators: search accounts, suspend them, grant and revoke roles."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from scripthub.application.accounts import Principal
from scripthub.application.users.change_account_status import (
    ChangeAccountStatus,
    ChangeAccountStatusCommand,
)
from scripthub.application.users.change_roles import ChangeUserRole, ChangeUserRoleCommand
from scripthub.application.users.list_users import ListUsers, ListUsersQuery
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import ROLES_ASSIGN, USERS_MANAGE, USERS_READ
from scripthub.domain.users import AccountStatus
from scripthub.entrypoints.http.auth import BEARER_SECURITY, requires
from scripthub.entrypoints.http.paths import PageSize, UserId, id_or_404
from scripthub.entrypoints.http.schemas.admin import (
    RoleAssignmentBody,
    StatusBody,
    UserPage,
    UserRolesOut,
)
from scripthub.entrypoints.http.schemas.users import UserOut, user_out


class UserAdministrationController(Controller):
    path = "/api/users"
    tags = ("administration",)
    security = BEARER_SECURITY

    @get("/", guards=[requires(USERS_READ)], summary="Search users")
    async def list_users(
        self,
        principal: NamedDependency[Principal],
        list_users: NamedDependency[ListUsers],
        context: NamedDependency[RequestContext],
        q: FromQuery[str | None] = None,
        status: FromQuery[Literal["active", "suspended", "deleted"] | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> UserPage:
        query = ListUsersQuery(
            principal, q, AccountStatus(status) if status else None, cursor, limit, context
        )
        page = await list_users.execute(query)
        return UserPage([user_out(u) for u in page.items], page.next_cursor)

    @patch(
        "/{id_or_username:str}/status",
        guards=[requires(USERS_MANAGE)],
        summary="Suspend or reactivate an account",
    )
    async def set_user_status(
        self,
        id_or_username: UserId,
        data: JSONBody[StatusBody],
        principal: NamedDependency[Principal],
        change_account_status: NamedDependency[ChangeAccountStatus],
        context: NamedDependency[RequestContext],
    ) -> UserOut:
        change = ChangeAccountStatusCommand(
            principal,
            id_or_404(id_or_username, "User"),
            AccountStatus(data.account_status),
            context,
        )
        return user_out(await change_account_status.execute(change))

    @post(
        "/{id_or_username:str}/roles",
        guards=[requires(ROLES_ASSIGN)],
        status_code=HTTP_200_OK,
        summary="Grant a role",
    )
    async def grant_role(
        self,
        id_or_username: UserId,
        data: JSONBody[RoleAssignmentBody],
        principal: NamedDependency[Principal],
        change_user_role: NamedDependency[ChangeUserRole],
        context: NamedDependency[RequestContext],
    ) -> UserRolesOut:
        target = str(id_or_404(id_or_username, "User"))
        change = ChangeUserRoleCommand(principal, target, data.role, grant=True, context=context)
        return UserRolesOut(await change_user_role.execute(change))

    @delete(
        "/{id_or_username:str}/roles/{role:str}",
        guards=[requires(ROLES_ASSIGN)],
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke a role",
    )
    async def revoke_role(
        self,
        id_or_username: UserId,
        role: FromPath[str],
        principal: NamedDependency[Principal],
        change_user_role: NamedDependency[ChangeUserRole],
        context: NamedDependency[RequestContext],
    ) -> None:
        target = str(id_or_404(id_or_username, "User"))
        change = ChangeUserRoleCommand(principal, target, role, grant=False, context=context)
        await change_user_role.execute(change)
