"""What every change that ends an account's sessions does around its commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass

from scripthub.application.ports.access_tokens import AccessTokenMarks
from scripthub.application.ports.permission_cache import PermissionCache
from scripthub.application.ports.session_store import SessionStore
from scripthub.domain.access_tokens import AccessToken
from scripthub.domain.errors import ServiceUnavailableError

logger = logging.getLogger("scripthub.auth")


@dataclass(frozen=True)
class SessionEnding:
    """A password change or reset, a suspension or a deletion moves the account's
    `session_epoch` on in its own transaction, and that committed epoch is what ends the
    sessions: the hot path refuses a session of an earlier epoch. The stores are told too:

    - `before_commit`, inside the unit of work, holds the user's cached access (with the
      epoch it holds): nothing read from the database before the commit can be cached; and
      marks the personal access tokens the change revoked (`AccessTokenMarks`). If the
      stores cannot be reached, the change rolls back (503) and nothing changed, a reset
      link included.
    - `after_commit` revokes the sessions in the store, as tidying (listings and refresh
      check the epoch anyway). If the store fails there, the sessions have ended all the
      same, and the change is answered as done.
    """

    session_store: SessionStore
    permission_cache: PermissionCache
    token_marks: AccessTokenMarks

    async def before_commit(
        self, user_id: uuid.UUID, *, revoked_tokens: Collection[AccessToken]
    ) -> None:
        """`revoked_tokens`: those the change revoked (none for a password change, which
        keeps them)."""
        await self.permission_cache.hold_user(user_id)
        await self.token_marks.mark_revoked(revoked_tokens)

    async def after_commit(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> None:
        try:
            await self.session_store.revoke_all(user_id, keep=keep)
        except ServiceUnavailableError as error:
            logger.warning("sessions of %s ended by epoch only: %s", user_id, error.detail)
