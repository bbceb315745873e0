"""`OutboxWriter` over `mail_outbox`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert

from scripthub.adapters.sqlalchemy.outbox_table import mail_outbox, outbox_values

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from scripthub.domain.mail import OutboxMessage


class SqlAlchemyOutboxWriter:
    """`OutboxWriter` in the unit of work's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def enqueue(self, message: OutboxMessage) -> None:
        await self._connection.execute(insert(mail_outbox).values(outbox_values(message)))
