"""Read one's own account."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import OwnUser, Principal
from scripthub.application.ports.account_reader import AccountReader
from scripthub.domain.errors import NotFoundError
from scripthub.domain.users import AccountStatus


@dataclass(frozen=True)
class GetOwnUserQuery:
    principal: Principal


class GetOwnUser:
    """One round trip to the database, outside any transaction."""

    def __init__(self, reader: AccountReader) -> None:
        self._reader = reader

    async def execute(self, query: GetOwnUserQuery) -> OwnUser:
        own = await self._reader.account(query.principal.user_id)
        if own is None or own.user.account_status is AccountStatus.DELETED:
            raise NotFoundError("User not found.")
        return own
