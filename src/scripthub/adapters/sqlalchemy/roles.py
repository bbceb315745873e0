"""`RoleRepository` over `roles`, `permissions` and their join tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.tables import (
    permissions,
    role_permissions,
    roles,
    user_roles,
    users,
)
from scripthub.domain.errors import NotFoundError
from scripthub.domain.roles import Grants, Permission, Role

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncSession

_ROLE_GRANTS = roles.outerjoin(
    role_permissions, role_permissions.c.role_id == roles.c.id
).outerjoin(permissions, permissions.c.id == role_permissions.c.permission_id)


class SqlAlchemyRoleRepository:
    """Roles, permissions and who holds which role."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, name: str) -> Role | None:
        result = await self._session.execute(
            select(
                roles.c.name,
                roles.c.description,
                roles.c.system,
                permissions.c.name.label("permission"),
            )
            .select_from(_ROLE_GRANTS)
            .where(roles.c.name == name)
        )
        rows = result.all()
        if not rows:
            return None
        first = rows[0]
        return Role(
            name=first.name,
            description=first.description,
            system=first.system,
            permissions=sorted(row.permission for row in rows if row.permission is not None),
        )

    async def list_permissions(self) -> list[Permission]:
        result = await self._session.execute(
            select(permissions.c.name, permissions.c.description).order_by(permissions.c.name)
        )
        return [Permission(row.name, row.description) for row in result]

    async def roles_of(self, user_id: uuid.UUID) -> list[str]:
        result = await self._session.execute(
            select(roles.c.name)
            .join(user_roles, user_roles.c.role_id == roles.c.id)
            .where(user_roles.c.user_id == user_id)
            .order_by(roles.c.name)
        )
        return list(result.scalars())

    async def grants_of(self, user_id: uuid.UUID) -> Grants:
        result = await self._session.execute(
            select(roles.c.name, permissions.c.name.label("permission"))
            .select_from(user_roles.join(_ROLE_GRANTS, roles.c.id == user_roles.c.role_id))
            .where(user_roles.c.user_id == user_id)
        )
        rows = result.all()
        return Grants(
            roles=frozenset(row.name for row in rows),
            permissions=frozenset(row.permission for row in rows if row.permission is not None),
        )

    async def assign(self, user_id: uuid.UUID, role: str) -> bool:
        user_exists = exists().where(users.c.id == user_id)
        result = await self._session.execute(
            select(
                roles.c.id, user_exists.label("user_exists"), user_roles.c.user_id.label("holder")
            )
            .outerjoin(
                user_roles,
                (user_roles.c.role_id == roles.c.id) & (user_roles.c.user_id == user_id),
            )
            .where(roles.c.name == role)
        )
        row = result.one_or_none()
        if row is None:
            raise NotFoundError(f"role {role!r} does not exist")
        if not row.user_exists:
            raise NotFoundError(f"user {user_id} does not exist")
        if row.holder is not None:
            return False
        try:
            await self._session.execute(
                insert(user_roles).values(
                    user_id=user_id, role_id=row.id, created_at=datetime.now(UTC)
                )
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error
        return True

    async def revoke(self, user_id: uuid.UUID, role: str) -> bool:
        role_id = select(roles.c.id).where(roles.c.name == role).scalar_subquery()
        result = await self._session.execute(
            delete(user_roles)
            .where(user_roles.c.user_id == user_id, user_roles.c.role_id == role_id)
            .returning(user_roles.c.role_id)
        )
        return result.first() is not None
