"""/api/roles and /api/permissions: what each role may do."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from scripthub.application.accounts import Principal
from scripthub.application.roles.create_permission import CreatePermission
from scripthub.application.roles.create_role import CreateRole
from scripthub.application.roles.delete_role import DeleteRole
from scripthub.application.roles.list_permissions import ListPermissions
from scripthub.application.roles.list_roles import ListRoles
from scripthub.application.roles.role_command import RoleCommand
from scripthub.application.roles.set_role_permissions import SetRolePermissions
from scripthub.domain.audit import RequestContext
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

    @get("/", guards=[requires("roles.read")], summary="List roles")
    async def list_roles(self, list_roles: NamedDependency[ListRoles]) -> RoleList:
        return RoleList([role_out(r) for r in await list_roles.execute()])

    @post("/", guards=[requires("roles.manage")], summary="Create a role")
    async def create_role(
        self,
        data: JSONBody[NewRoleBody],
        principal: NamedDependency[Principal],
        create_role: NamedDependency[CreateRole],
        context: NamedDependency[RequestContext],
    ) -> RoleOut:
        command = RoleCommand(principal, context)
        return role_out(await create_role.execute(command, data.name, data.description))

    @put("/{name:str}/permissions", guards=[requires("roles.manage")], summary="Set permissions")
    async def set_permissions(
        self,
        name: FromPath[str],
        data: JSONBody[RolePermissionsBody],
        principal: NamedDependency[Principal],
        set_role_permissions: NamedDependency[SetRolePermissions],
        context: NamedDependency[RequestContext],
    ) -> RoleOut:
        command = RoleCommand(principal, context)
        return role_out(await set_role_permissions.execute(command, name, data.permissions))

    @delete(
        "/{name:str}",
        guards=[requires("roles.manage")],
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
        await delete_role.execute(RoleCommand(principal, context), name)


class PermissionsController(Controller):
    path = "/api/permissions"
    tags = ("administration",)
    security = BEARER_SECURITY

    @get("/", guards=[requires("roles.read")], summary="List permissions")
    async def list_permissions(
        self, list_permissions: NamedDependency[ListPermissions]
    ) -> PermissionList:
        return PermissionList([permission_out(p) for p in await list_permissions.execute()])

    @post("/", guards=[requires("roles.manage")], summary="Create a permission")
    async def create_permission(
        self,
        data: JSONBody[NewPermissionBody],
        principal: NamedDependency[Principal],
        create_permission: NamedDependency[CreatePermission],
        context: NamedDependency[RequestContext],
    ) -> PermissionOut:
        command = RoleCommand(principal, context)
        created = await create_permission.execute(command, data.name, data.description)
        return permission_out(created)
