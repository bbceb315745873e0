"""`AccountReader` over the committed in-process state."""

from __future__ import annotations

import copy
import uuid

from scripthub.application.accounts import OwnUser
from tests.fakes.database import InMemoryDatabase


class InMemoryAccountReader:
    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    async def account(self, user_id: uuid.UUID) -> OwnUser | None:
        user = self._database.users.get(user_id)
        if user is None:
            return None
        providers = {
            str(link.provider)
            for link in self._database.provider_links.values()
            if link.user_id == user_id
        }
        roles = self._database.user_roles.get(user_id, set())
        return OwnUser(copy.deepcopy(user), sorted(roles), sorted(providers))
