"""`SessionStore` on `refresh_tokens` and `rotated_refresh_tokens`: sessions in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, null, select, union_all, update

from scripthub.adapters.sqlalchemy.sessions_table import (
    refresh_tokens,
    rotated_refresh_tokens,
    session_from_row,
    session_values,
)
from scripthub.adapters.sqlalchemy.short_transactions import ShortTransactions
from scripthub.domain.sessions import Rotation, RotationOutcome, Session, outcome_within_grace

if TYPE_CHECKING:
    import uuid
    from datetime import timedelta

    from sqlalchemy import ColumnElement, RowMapping
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def _unexpired(now: datetime) -> ColumnElement[bool]:
    return refresh_tokens.c.expires_at > now


def _live(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return refresh_tokens.c.revoked_at.is_(None), _unexpired(now)


class SqlAlchemySessionStore:
    """Sessions and refresh-token hashes in the relational database.

    Every method runs in its own short transaction on a connection of `engine`, outside any
    unit of work. Reads run in autocommit mode, so that the hot-path `live_epoch` costs one round
    trip (no BEGIN and ROLLBACK around it). Ending a session sets `revoked_at` and keeps
    its current and rotated hashes, so its tokens yield ENDED until its `expires_at`.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._connections = ShortTransactions(engine)

    async def create(self, session: Session, token_hash: str) -> None:
        async with self._connections.write() as connection:
            await connection.execute(
                insert(refresh_tokens).values(session_values(session, token_hash))
            )

    async def rotate(
        self, token_hash: str, new_token_hash: str, now: datetime, grace: timedelta
    ) -> Rotation:
        async with self._connections.write() as connection:
            # One conditional UPDATE decides the race: the row lock (PostgreSQL) or the
            # database write lock (SQLite) lets exactly one caller still see the old hash.
            row = await self._make_current(
                connection, refresh_tokens.c.token_hash == token_hash, new_token_hash, now
            )
            if row is None:
                return await self._not_current(connection, token_hash, new_token_hash, now, grace)
            await connection.execute(
                insert(rotated_refresh_tokens).values(
                    token_hash=token_hash, session_id=row["id"], rotated_at=now
                )
            )
            return Rotation(RotationOutcome.ROTATED, session_from_row(row))

    async def _not_current(
        self,
        connection: AsyncConnection,
        token_hash: str,
        new_token_hash: str,
        now: datetime,
        grace: timedelta,
    ) -> Rotation:
        # The token is not the current one of a live session. One round trip looks for it
        # among rotated tokens (`rotated_at` set, live or ended session) and among the
        # current tokens of ended sessions.
        rotated = (
            select(refresh_tokens, rotated_refresh_tokens.c.rotated_at)
            .join(
                rotated_refresh_tokens, rotated_refresh_tokens.c.session_id == refresh_tokens.c.id
            )
            .where(rotated_refresh_tokens.c.token_hash == token_hash, _unexpired(now))
        )
        ended = select(refresh_tokens, null().label("rotated_at")).where(
            refresh_tokens.c.token_hash == token_hash,
            refresh_tokens.c.revoked_at.is_not(None),
            _unexpired(now),
        )
        row = (await connection.execute(union_all(rotated, ended))).mappings().one_or_none()
        if row is None:
            return Rotation(RotationOutcome.UNKNOWN)
        session = session_from_row(row)
        if row["revoked_at"] is not None:
            return Rotation(RotationOutcome.ENDED, session)
        if now - row["rotated_at"] <= grace:
            return Rotation(outcome_within_grace(row["token_hash"], new_token_hash), session)
        # A concurrent call may have ended the session since the SELECT: then it is over
        # already, and this reuse is no news.
        if not await self._end_where(connection, refresh_tokens.c.id == session.id, now):
            return Rotation(RotationOutcome.ENDED, session)
        return Rotation(RotationOutcome.REUSED, session)

    async def reissue(
        self, session_id: uuid.UUID, new_token_hash: str, now: datetime, epoch: int
    ) -> Session | None:
        async with self._connections.write() as connection:
            row = await self._make_current(
                connection, refresh_tokens.c.id == session_id, new_token_hash, now, epoch=epoch
            )
        return None if row is None else session_from_row(row)

    async def live_epoch(
        self, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> int | None:
        async with self._connections.read() as connection:
            result = await connection.execute(
                select(refresh_tokens.c.epoch).where(
                    refresh_tokens.c.id == session_id,
                    refresh_tokens.c.user_id == user_id,
                    *_live(now),
                )
            )
            epoch: int | None = result.scalar_one_or_none()
            return epoch

    async def get(self, session_id: uuid.UUID, now: datetime) -> Session | None:
        async with self._connections.read() as connection:
            result = await connection.execute(
                select(refresh_tokens).where(refresh_tokens.c.id == session_id, *_live(now))
            )
            row = result.mappings().one_or_none()
        return None if row is None else session_from_row(row)

    async def list_for_user(self, user_id: uuid.UUID, now: datetime) -> list[Session]:
        async with self._connections.read() as connection:
            result = await connection.execute(
                select(refresh_tokens)
                .where(refresh_tokens.c.user_id == user_id, *_live(now))
                .order_by(refresh_tokens.c.created_at.desc(), refresh_tokens.c.id)
            )
            return [session_from_row(row) for row in result.mappings()]

    async def revoke(self, session_id: uuid.UUID) -> bool:
        return await self._revoke_where(refresh_tokens.c.id == session_id) > 0

    async def revoke_all(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
        condition = refresh_tokens.c.user_id == user_id
        if keep is not None:
            condition &= refresh_tokens.c.id != keep
        return await self._revoke_where(condition)

    async def _revoke_where(self, condition: ColumnElement[bool]) -> int:
        async with self._connections.write() as connection:
            return await self._end_where(connection, condition, datetime.now(UTC))

    @staticmethod
    async def _make_current(
        connection: AsyncConnection,
        condition: ColumnElement[bool],
        new_token_hash: str,
        now: datetime,
        **changes: int,
    ) -> RowMapping | None:
        """The live session that meets `condition`, its current token now `new_token_hash`
        (and its other columns set to `changes`)."""
        result = await connection.execute(
            update(refresh_tokens)
            .where(condition, *_live(now))
            .values(token_hash=new_token_hash, last_used_at=now, updated_at=now, **changes)
            .returning(*refresh_tokens.c)
        )
        return result.mappings().one_or_none()

    @staticmethod
    async def _end_where(
        connection: AsyncConnection, condition: ColumnElement[bool], now: datetime
    ) -> int:
        """Ends the live sessions that meet `condition`; returns how many."""
        result = await connection.execute(
            update(refresh_tokens)
            .where(condition, *_live(now))
            .values(revoked_at=now, updated_at=now)
            .returning(refresh_tokens.c.id)
        )
        return len(result.all())
