"""Read one's own account."""

from __future__ import annotations

from scripthub.application.auth.principal import Principal
from scripthub.application.ports.account_reader import AccountReader
from scripthub.application.users.views import OwnUser
from scripthub.domain.errors import NotFoundError
from scripthub.domain.users import AccountStatus


class GetOwnUser:
    """One round trip to the database: the roles come with the principal's (cached) grants."""

    def __init__(self, reader: AccountReader) -> None:
        self._reader = reader

    async def execute(self, principal: Principal) -> OwnUser:
        snapshot = await self._reader.account(principal.user_id)
        if snapshot is None or snapshot.user.account_status is AccountStatus.DELETED:
            raise NotFoundError("User not found.")
        return OwnUser(snapshot.user, sorted(principal.grants.roles), snapshot.providers)
