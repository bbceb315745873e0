"""`RoleRepository` over `roles`, `permissions` and their join tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, distinct, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.roles_table import (
    permission_values,
    permissions,
    role_permissions,
    role_values,
    roles,
    user_roles,
)
from scripthub.adapters.sqlalchemy.rows import names_by_user
from scripthub.adapters.sqlalchemy.users_table import users
from scripthub.application.ports.permission_cache import AccountAccess
from scripthub.domain.errors import ConflictError, NotFoundError
from scripthub.domain.roles import Grants, Permission, Role
from scripthub.domain.users import AccountStatus

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement, Table
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.adapters.sqlalchemy.statements import Statements

_ROLE_GRANTS = roles.outerjoin(
    role_permissions, role_permissions.c.role_id == roles.c.id
).outerjoin(permissions, permissions.c.id == role_permissions.c.permission_id)
_USER_GRANTS = user_roles.join(_ROLE_GRANTS, roles.c.id == user_roles.c.role_id)


def _grants(rows: Sequence[Any]) -> Grants:
    """Grants from rows of (`name`, `permission`), one per role and permission held."""
    return Grants(
        roles=frozenset(row.name for row in rows),
        permissions=frozenset(row.permission for row in rows if row.permission is not None),
    )


_ROLE_NAMES = select(user_roles.c.user_id, roles.c.name).join(
    roles, roles.c.id == user_roles.c.role_id
)
_ROLES_OF_ONE = _ROLE_NAMES.where(
    # The statement `roles_of_many` sends for one user, to the letter.
    user_roles.c.user_id.in_([bindparam("user_id", type_=user_roles.c.user_id.type)])
)

_HOLDERS = (
    user_roles.join(users, users.c.id == user_roles.c.user_id)
    .join(role_permissions, role_permissions.c.role_id == user_roles.c.role_id)
    .join(permissions, permissions.c.id == role_permissions.c.permission_id)
)


SAFEGUARD_LOCK_KEY = 0x5C81_07_1A
"""An arbitrary constant naming the advisory lock that serialises the lock-out safeguard."""


class SqlAlchemyRoleRepository:
    """Roles, permissions and who holds which role.

    Names are sorted in Python, not in SQL, where the order of text depends on the collation.
    """

    def __init__(self, connection: AsyncConnection, statements: Statements) -> None:
        self._connection = connection
        self._statements = statements

    async def get(self, name: str) -> Role | None:
        found = await self._roles(roles.c.name == name)
        return found[0] if found else None

    async def list_roles(self) -> list[Role]:
        return await self._roles()

    async def add_role(self, role: Role) -> None:
        if await self._exists(roles.c.name == role.name):
            raise ConflictError(f"role {role.name!r} already exists")
        await self._insert(roles, role_values(role, datetime.now(UTC)))

    async def delete_role(self, name: str) -> None:
        # user_roles and role_permissions rows go with it: their foreign keys cascade.
        result = await self._connection.execute(
            delete(roles).where(roles.c.name == name).returning(roles.c.id)
        )
        if result.first() is None:
            raise NotFoundError(f"role {name!r} does not exist")

    async def set_permissions(self, role: str, permissions: list[str]) -> None:
        role_id = await self._role_id(role)
        permission_ids = await self._permission_ids(sorted(set(permissions)))
        now = datetime.now(UTC)
        await self._connection.execute(
            delete(role_permissions).where(role_permissions.c.role_id == role_id)
        )
        if permission_ids:
            await self._connection.execute(
                insert(role_permissions),
                [
                    {"role_id": role_id, "permission_id": permission_id, "created_at": now}
                    for permission_id in permission_ids
                ],
            )
        await self._connection.execute(
            update(roles)
            .where(roles.c.id == role_id)
            .values(version=roles.c.version + 1, updated_at=now)
        )

    async def list_permissions(self) -> list[Permission]:
        result = await self._connection.execute(
            select(permissions.c.name, permissions.c.description)
        )
        return sorted(
            (Permission(row.name, row.description) for row in result),
            key=lambda permission: permission.name,
        )

    async def add_permission(self, permission: Permission) -> None:
        if await self._exists(permissions.c.name == permission.name):
            raise ConflictError(f"permission {permission.name!r} already exists")
        await self._insert(permissions, permission_values(permission, datetime.now(UTC)))

    async def count_active_holders(self, permission: str) -> int:
        if self._connection.dialect.name == "postgresql":
            # Held until commit or rollback. Under READ COMMITTED the count below then sees
            # whatever an earlier holder of the lock committed. SQLite writers are serial.
            await self._connection.execute(select(func.pg_advisory_xact_lock(SAFEGUARD_LOCK_KEY)))
        result = await self._connection.execute(
            select(func.count(distinct(user_roles.c.user_id)))
            .select_from(_HOLDERS)
            .where(
                permissions.c.name == permission,
                users.c.account_status == AccountStatus.ACTIVE.value,
            )
        )
        return int(result.scalar_one())

    async def roles_of_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        result = await self._connection.execute(
            _ROLE_NAMES.where(user_roles.c.user_id.in_(user_ids))
        )
        return names_by_user(user_ids, result)

    async def roles_of(self, user_id: uuid.UUID) -> list[str]:
        rows = await self._statements.all(_ROLES_OF_ONE, {"user_id": user_id})
        return sorted({row["name"] for row in rows})

    async def grants_of(self, user_id: uuid.UUID) -> Grants:
        result = await self._connection.execute(
            select(roles.c.name, permissions.c.name.label("permission"))
            .select_from(_USER_GRANTS)
            .where(user_roles.c.user_id == user_id)
        )
        return _grants(result.all())

    async def access_of(self, user_id: uuid.UUID) -> AccountAccess | None:
        # One row per (role, permission) held, or one of NULLs for an account with no role.
        result = await self._connection.execute(
            select(users.c.session_epoch, roles.c.name, permissions.c.name.label("permission"))
            .select_from(users.outerjoin(_USER_GRANTS, user_roles.c.user_id == users.c.id))
            .where(users.c.id == user_id)
        )
        rows = result.all()
        if not rows:
            return None
        held = [row for row in rows if row.name is not None]
        return AccountAccess(_grants(held), rows[0].session_epoch)

    async def assign(self, user_id: uuid.UUID, role: str) -> bool:
        user_exists = exists().where(users.c.id == user_id)
        result = await self._connection.execute(
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
        # A concurrent identical grant may land between the read and this insert: that is
        # "already held", not a conflict.
        upsert = (
            postgresql_insert if self._connection.dialect.name == "postgresql" else sqlite_insert
        )
        inserted = await self._connection.execute(
            upsert(user_roles)
            .values(user_id=user_id, role_id=row.id, created_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=[user_roles.c.user_id, user_roles.c.role_id])
            .returning(user_roles.c.user_id)
        )
        return inserted.first() is not None

    async def revoke(self, user_id: uuid.UUID, role: str) -> bool:
        role_id = select(roles.c.id).where(roles.c.name == role).scalar_subquery()
        result = await self._connection.execute(
            delete(user_roles)
            .where(user_roles.c.user_id == user_id, user_roles.c.role_id == role_id)
            .returning(user_roles.c.role_id)
        )
        return result.first() is not None

    async def _roles(self, *conditions: ColumnElement[bool]) -> list[Role]:
        """The roles matching `conditions`, with their permissions, in one query."""
        result = await self._connection.execute(
            select(
                roles.c.name,
                roles.c.description,
                roles.c.system,
                permissions.c.name.label("permission"),
            )
            .select_from(_ROLE_GRANTS)
            .where(*conditions)
        )
        found: dict[str, Role] = {}
        for row in result:
            role = found.setdefault(row.name, Role(row.name, row.description, row.system, []))
            if row.permission is not None:
                role.permissions.append(row.permission)
        for role in found.values():
            role.permissions.sort()
        return sorted(found.values(), key=lambda role: role.name)

    async def _role_id(self, name: str) -> uuid.UUID:
        result = await self._connection.execute(select(roles.c.id).where(roles.c.name == name))
        role_id: uuid.UUID | None = result.scalar_one_or_none()
        if role_id is None:
            raise NotFoundError(f"role {name!r} does not exist")
        return role_id

    async def _permission_ids(self, names: list[str]) -> list[uuid.UUID]:
        """The ids of the permissions `names` (sorted); NotFoundError names the first unknown."""
        result = await self._connection.execute(
            select(permissions.c.name, permissions.c.id).where(permissions.c.name.in_(names))
        )
        ids: dict[str, uuid.UUID] = dict(result.all())
        for name in names:
            if name not in ids:
                raise NotFoundError(f"permission {name!r} does not exist")
        return list(ids.values())

    async def _exists(self, condition: ColumnElement[bool]) -> bool:
        result = await self._connection.execute(select(exists().where(condition)))
        return bool(result.scalar_one())

    async def _insert(self, table: Table, values: dict[str, Any]) -> None:
        try:
            await self._connection.execute(insert(table).values(values))
        except IntegrityError as error:
            raise translate_integrity_error(error) from error
