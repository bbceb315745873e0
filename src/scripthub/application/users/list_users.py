"""Operators' view of accounts: search and page through them."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor, OwnUser
from scripthub.application.authorization import Authorizer
from scripthub.application.pagination import (
    Page,
    decode_cursor,
    page_of,
    reject_control_characters,
)
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.ports.users import UserQuery
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import USERS_READ
from scripthub.domain.users import AccountStatus


@dataclass(frozen=True)
class ListUsersQuery:
    actor: Actor
    text: str | None = None
    status: AccountStatus | None = None
    cursor: str | None = None
    limit: int = 20
    context: RequestContext = RequestContext()


class ListUsers:
    """A page of users in their own view; three queries whatever the page size."""

    def __init__(self, uow_factory: UnitOfWorkFactory, authorizer: Authorizer) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer

    async def execute(self, query: ListUsersQuery) -> Page[OwnUser]:
        await self._authorizer.require(query.actor, USERS_READ, query.context)
        reject_control_characters(q=query.text)
        search = UserQuery(
            text=query.text.strip().lower() if query.text and query.text.strip() else None,
            status=query.status,
            after=decode_cursor(query.cursor),
            limit=query.limit + 1,
        )
        async with self._uow_factory() as uow:
            users = await uow.users.search(search)
            ids = [user.id for user in users]
            roles = await uow.roles.roles_of_many(ids)
            providers = await uow.provider_links.provider_names_of_many(ids)
        views = [OwnUser(user, roles[user.id], providers[user.id]) for user in users]
        return page_of(views, query.limit, lambda v: Keyset(v.user.created_at, v.user.id))
