"""`ScriptAuthorRepository` on SQLAlchemy Core: `script_authors`, `script_invitations` and the
copy of the co-authors on `scripts.authors`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from scripthub.adapters.sqlalchemy.errors import translate_integrity_error
from scripthub.adapters.sqlalchemy.script_authors_table import (
    PENDING,
    authors_document,
    invitation_from_row,
    invitation_values,
    script_authors,
    script_invitations,
)
from scripthub.adapters.sqlalchemy.scripts_search import search_index
from scripthub.adapters.sqlalchemy.scripts_table import LIVE, scripts
from scripthub.adapters.sqlalchemy.users_table import users
from scripthub.domain.script_authors import (
    Invitation,
    InvitationKind,
    InvitationStatus,
    ScriptAuthor,
)

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.ext.asyncio import AsyncConnection

_inv = script_invitations.c
_OPEN_COLUMNS = (*script_invitations.c, users.c.username, scripts.c.name)


def _open(now: datetime) -> ColumnElement[bool]:
    return and_(_inv.status == PENDING, _inv.expires_at > now)


def _with_names() -> Select[tuple[object, ...]]:
    return (
        select(*_OPEN_COLUMNS)
        .join(users, users.c.id == _inv.user_id)
        .join(scripts, scripts.c.id == _inv.script_id)
    )


class SqlAlchemyScriptAuthorRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def hold_script(self, script_id: uuid.UUID) -> bool:
        # A write that changes nothing: the row lock (the write lock on SQLite) is the point.
        result = await self._connection.execute(
            update(scripts)
            .where(scripts.c.id == script_id, LIVE)
            .values(authors=scripts.c.authors)
            .returning(scripts.c.id)
        )
        return result.first() is not None

    async def add_author(self, script_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> bool:
        if await self._is_author(script_id, user_id):
            return False
        try:
            await self._connection.execute(
                insert(script_authors).values(script_id=script_id, user_id=user_id, created_at=at)
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error
        await self._copy(script_id)
        return True

    async def remove_author(self, script_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        result = await self._connection.execute(
            delete(script_authors)
            .where(script_authors.c.script_id == script_id, script_authors.c.user_id == user_id)
            .returning(script_authors.c.user_id)
        )
        if result.first() is None:
            return False
        await self._copy(script_id)
        return True

    async def transfer(
        self, script_id: uuid.UUID, from_owner: uuid.UUID, to_user: uuid.UUID, at: datetime
    ) -> bool:
        if not await self._is_author(script_id, to_user):
            return False
        result = await self._connection.execute(
            update(scripts)
            .where(scripts.c.id == script_id, scripts.c.owner_id == from_owner, LIVE)
            .values(owner_id=to_user, updated_at=at)
            .returning(scripts.c.id)
        )
        if result.first() is None:
            return False
        await self._connection.execute(
            delete(script_authors).where(
                script_authors.c.script_id == script_id, script_authors.c.user_id == to_user
            )
        )
        await self._connection.execute(
            insert(script_authors).values(script_id=script_id, user_id=from_owner, created_at=at)
        )
        await self._copy(script_id)
        await search_index(self._connection).follow([script_id])
        return True

    async def count_authors(self, script_id: uuid.UUID) -> int:
        result = await self._connection.execute(
            select(func.count()).where(script_authors.c.script_id == script_id)
        )
        return int(result.scalar_one())

    async def add_invitation(self, invitation: Invitation, now: datetime) -> bool:
        same = and_(
            _inv.script_id == invitation.script_id,
            _inv.user_id == invitation.user_id,
            _inv.kind == invitation.kind.value,
            _inv.status == PENDING,
        )
        await self._connection.execute(
            update(script_invitations)
            .where(same, _inv.expires_at <= now)
            .values(status=InvitationStatus.REVOKED.value, decided_at=now)
        )
        found = await self._connection.execute(select(_inv.id).where(same))
        if found.first() is not None:
            return False
        try:
            await self._connection.execute(
                insert(script_invitations).values(invitation_values(invitation))
            )
        except IntegrityError as error:
            raise translate_integrity_error(error) from error
        return True

    async def get_invitation(self, invitation_id: uuid.UUID) -> Invitation | None:
        result = await self._connection.execute(_with_names().where(_inv.id == invitation_id))
        row = result.mappings().first()
        return None if row is None else invitation_from_row(row)

    async def count_pending(self, script_id: uuid.UUID, kind: InvitationKind, now: datetime) -> int:
        result = await self._connection.execute(
            select(func.count()).where(
                _inv.script_id == script_id, _inv.kind == kind.value, _open(now)
            )
        )
        return int(result.scalar_one())

    async def pending_for_user(self, user_id: uuid.UUID, now: datetime) -> list[Invitation]:
        return await self._list(_inv.user_id == user_id, _open(now), LIVE)

    async def pending_for_script(self, script_id: uuid.UUID, now: datetime) -> list[Invitation]:
        return await self._list(_inv.script_id == script_id, _open(now))

    async def accept(self, invitation_id: uuid.UUID, now: datetime) -> bool:
        result = await self._connection.execute(
            update(script_invitations)
            .where(_inv.id == invitation_id, _open(now))
            .values(status=InvitationStatus.ACCEPTED.value, decided_at=now)
            .returning(_inv.id)
        )
        return result.first() is not None

    async def revoke_pending(
        self, script_id: uuid.UUID, now: datetime, *, user_id: uuid.UUID | None = None
    ) -> int:
        conditions = [_inv.script_id == script_id, _inv.status == PENDING]
        if user_id is None:
            conditions.append(_inv.kind == InvitationKind.TRANSFER.value)
        else:
            conditions.append(_inv.user_id == user_id)
        result = await self._connection.execute(
            update(script_invitations)
            .where(*conditions)
            .values(status=InvitationStatus.REVOKED.value, decided_at=now)
            .returning(_inv.id)
        )
        return len(result.all())

    async def _list(self, *conditions: ColumnElement[bool]) -> list[Invitation]:
        result = await self._connection.execute(
            _with_names().where(*conditions).order_by(_inv.created_at.desc(), _inv.id.desc())
        )
        return [invitation_from_row(row) for row in result.mappings()]

    async def _is_author(self, script_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        result = await self._connection.execute(
            select(script_authors.c.user_id).where(
                script_authors.c.script_id == script_id, script_authors.c.user_id == user_id
            )
        )
        return result.first() is not None

    async def _copy(self, script_id: uuid.UUID) -> None:
        await copy_authors(self._connection, script_id)


async def copy_authors(connection: AsyncConnection, script_id: uuid.UUID) -> None:
    """Rewrite `scripts.authors` from `script_authors` and `users`, in the order they
    joined."""
    result = await connection.execute(
        select(users.c.id, users.c.username)
        .join(script_authors, script_authors.c.user_id == users.c.id)
        .where(script_authors.c.script_id == script_id)
        .order_by(script_authors.c.created_at, users.c.id)
    )
    authors = [ScriptAuthor(row.id, row.username) for row in result]
    await connection.execute(
        update(scripts).where(scripts.c.id == script_id).values(authors=authors_document(authors))
    )


async def follow_username(connection: AsyncConnection, user_id: uuid.UUID) -> None:
    """After `user_id`'s username changed, in the same transaction (after the users row's
    write, whose lock keeps another rename out): bring the copies of the scripts they
    co-author in step, in script id order."""
    result = await connection.execute(
        select(script_authors.c.script_id)
        .where(script_authors.c.user_id == user_id)
        .order_by(script_authors.c.script_id)
    )
    for script_id in result.scalars().all():
        await copy_authors(connection, script_id)


async def leave_every_script(connection: AsyncConnection, user_id: uuid.UUID, at: datetime) -> None:
    """After `user_id`'s account was deleted, in the same transaction (after the users row's
    write): they co-author nothing any more (the copies follow, in script id order) and their
    pending invitations and offers are revoked."""
    result = await connection.execute(
        delete(script_authors)
        .where(script_authors.c.user_id == user_id)
        .returning(script_authors.c.script_id)
    )
    for script_id in sorted(result.scalars().all()):
        await copy_authors(connection, script_id)
    await connection.execute(
        update(script_invitations)
        .where(_inv.user_id == user_id, _inv.status == PENDING)
        .values(status=InvitationStatus.REVOKED.value, decided_at=at)
    )
