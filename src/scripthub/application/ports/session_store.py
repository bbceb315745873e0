"""Where sessions and their refresh-token hashes live."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Protocol

from scripthub.domain.sessions import Rotation, Session


class SessionStore(Protocol):
    """Sessions and refresh-token hashes (never the tokens themselves).

    Every method is atomic on its own; the store is outside the relational unit of work.
    A session is live until it is revoked or its `expires_at` passes.
    """

    async def create(self, session: Session, token_hash: str) -> None:
        """Start a live session whose current refresh token hashes to `token_hash`."""

    async def rotate(
        self, token_hash: str, new_token_hash: str, now: datetime, grace: timedelta
    ) -> Rotation:
        """Replace the current token `token_hash` by `new_token_hash`, atomically.

        Of any number of concurrent calls with the same `token_hash`, at most one sees
        ROTATED. A token that was current once but has been rotated yields, while its
        session is live and within `grace` of its rotation, ALREADY_ROTATED if the
        session's current token is `new_token_hash` (the rotation asked for happened
        already) and SUPERSEDED_IN_GRACE otherwise; after `grace`, REUSED, in which case
        the store has already ended the session. ROTATED also sets
        `last_used_at`. Every token of a session that was ended (revoked, or ended by
        REUSED), its current one as well as its rotated ones, yields ENDED with that
        session until the session's `expires_at`; after that, UNKNOWN.
        """

    async def reissue(
        self, session_id: uuid.UUID, new_token_hash: str, now: datetime, epoch: int
    ) -> Session | None:
        """Give the live session a new current token, `new_token_hash`, and the account's new
        `epoch`, as after a password change. The token it replaces stops working at once and
        is then UNKNOWN (it was replaced, not stolen: presenting it never ends the session).
        Sets `last_used_at`. None, and nothing changes, if the session is not live."""

    async def live_epoch(
        self, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> int | None:
        """The session's `epoch` if it is live and `user_id`'s, else None: the hot-path check
        behind every authenticated request, one round trip. A token naming one user and
        another user's session is refused here."""

    async def get(self, session_id: uuid.UUID, now: datetime) -> Session | None:
        """The live session with this id, or None."""

    async def list_for_user(self, user_id: uuid.UUID, now: datetime) -> list[Session]:
        """The user's live sessions, newest first."""

    async def revoke(self, session_id: uuid.UUID) -> bool:
        """End one session; False if it was not live."""

    async def revoke_all(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
        """End every session of the user except `keep`; returns how many ended."""
