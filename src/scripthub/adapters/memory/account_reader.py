"""`AccountReader` over the committed in-process state."""

from __future__ import annotations

import copy
import uuid

from scripthub.adapters.memory.database import InMemoryDatabase
from scripthub.application.ports.account_reader import AccountSnapshot


class InMemoryAccountReader:
    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    async def account(self, user_id: uuid.UUID) -> AccountSnapshot | None:
        user = self._database.users.get(user_id)
        if user is None:
            return None
        providers = {
            str(link.provider)
            for link in self._database.provider_links.values()
            if link.user_id == user_id
        }
        return AccountSnapshot(copy.deepcopy(user), sorted(providers))
