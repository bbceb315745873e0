"""/api/roles and /api/permissions: what each role may do."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from scripthub.application.accounts import Principal
from scripthub.application.roles.create_permission import (
    CreatePermission,
    CreatePermissionCommand,
)
from scripthub.application.roles.create_role import CreateRole, CreateRoleCommand
from scripthub.application.roles.delete_role import DeleteRole, DeleteRoleCommand
from scripthub.application.roles.list_permissions import ListPermissions, ListPermissionsQuery
from scripthub.application.roles.list_roles import ListRoles, ListRolesQuery
from scripthub.application.roles.set_role_permissions import (
    SetRolePermissions,
    SetRolePermissionsCommand,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import ROLES_MANAGE, ROLES_READ
from scripthub.entrypoints.http.auth import BEARER_SECURITY, requires
from scripthub.entrypoints.http.schemas.admin import (
    NewPermissionBody,
    NewRoleBody,
    PermissionList,
    PermissionOut,
    RoleList,
    RoleOut,
    RolePermissionsBody,
    permission_out,
    role_out,
)


class RolesController(Controller):
    path = "/api/roles"
    tags = ("administration",)
    security = BEARER_SECURITY

    @get("/", guards=[requires(ROLES_READ)], summary="List roles")
    async def list_roles(
        self,
        principal: NamedDependency[Principal],
        list_roles: NamedDependency[ListRoles],
        context: NamedDependency[RequestContext],
    ) -> RoleList:
        roles = await list_roles.execute(ListRolesQuery(principal, context))
        return RoleList([role_out(r) for r in roles])

    @post("/", guards=[requires(ROLES_MANAGE)], summary="Create a role")
    async def create_role(
        self,
        data: JSONBody[NewRoleBody],
        principal: NamedDependency[Principal],
        create_role: NamedDependency[CreateRole],
        context: NamedDependency[RequestContext],
    ) -> RoleOut:
        command = CreateRoleCommand(principal, data.name, data.description, context)
        return role_out(await create_role.execute(command))

    @put("/{name:str}/permissions", guards=[requires(ROLES_MANAGE)], summary="Set permissions")
    async def set_permissions(
        self,
        name: FromPath[str],
        data: JSONBody[RolePermissionsBody],
        principal: NamedDependency[Principal],
        set_role_permissions: NamedDependency[SetRolePermissions],
        context: NamedDependency[RequestContext],
    ) -> RoleOut:
        command = SetRolePermissionsCommand(principal, name, data.permissions, context)
        return role_out(await set_role_permissions.execute(command))

    @delete(
        "/{name:str}",
        guards=[requires(ROLES_MANAGE)],
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a role",
    )
    async def delete_role(
        self,
        name: FromPath[str],
        principal: NamedDependency[Principal],
        delete_role: NamedDependency[DeleteRole],
        context: NamedDependency[RequestContext],
    ) -> None:
        await delete_role.execute(DeleteRoleCommand(principal, name, context))


class PermissionsController(Controller):
    path = "/api/permissions"
    tags = ("administration",)
    security = BEARER_SECURITY

    @get("/", guards=[requires(ROLES_READ)], summary="List permissions")
    async def list_permissions(
        self,
        principal: NamedDependency[Principal],
        list_permissions: NamedDependency[ListPermissions],
        context: NamedDependency[RequestContext],
    ) -> PermissionList:
        permissions = await list_permissions.execute(ListPermissionsQuery(principal, context))
        return PermissionList([permission_out(p) for p in permissions])

    @post("/", guards=[requires(ROLES_MANAGE)], summary="Create a permission")
    async def create_permission(
        self,
        data: JSONBody[NewPermissionBody],
        principal: NamedDependency[Principal],
        create_permission: NamedDependency[CreatePermission],
        context: NamedDependency[RequestContext],
    ) -> PermissionOut:
        command = CreatePermissionCommand(principal, data.name, data.description, context)
        return permission_out(await create_permission.execute(command))
