"""The ways each account can sign in, in the relational store."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Protocol

from scripthub.domain.providers import Provider, ProviderLink


class LinkRemoval(enum.Enum):
    REMOVED = "removed"
    NOT_LINKED = "not_linked"
    LAST_METHOD = "last_method"
    """Kept: it is the account's only way to sign in."""


class ProviderLinkRepository(Protocol):
    """The ways each account can sign in (`email`, and linked OAuth identities)."""

    async def add(self, link: ProviderLink) -> None:
        """Stage a link; ConflictError if the identity is linked already, or if the user has
        a link to that provider already (one identity per provider and account)."""

    async def find(self, provider: Provider, provider_user_id: str) -> ProviderLink | None:
        """The link of this provider identity, whichever account holds it."""

    async def remove(self, user_id: uuid.UUID, provider: Provider) -> LinkRemoval:
        """Stage removing the user's link to `provider`, unless it is the account's last link
        (its only way to sign in). Decided under a lock on the account's links, so that two
        concurrent removals of its last two links leave one."""

    async def set_email(
        self, user_id: uuid.UUID, provider: Provider, email: str, at: datetime
    ) -> None:
        """Stage recording `email` as the address of the user's link to `provider`, if any."""

    async def list_for_user(self, user_id: uuid.UUID) -> list[ProviderLink]:
        """The user's links, oldest first."""

    async def provider_names_of_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        """Sorted provider names of each given user (every id is a key); one query."""
