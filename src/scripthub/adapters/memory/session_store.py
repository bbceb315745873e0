"""Sessions and refresh-token hashes in process memory."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scripthub.adapters.memory.expiry import ExpiryQueue
from scripthub.domain.sessions import Rotation, RotationOutcome, Session, outcome_within_grace

if TYPE_CHECKING:
    import uuid
    from datetime import datetime, timedelta


@dataclass
class _Entry:
    session: Session
    token_hash: str
    rotated_hashes: list[str] = field(default_factory=list)
    ended: bool = False


class InMemorySessionStore:
    """`SessionStore` for one process.

    No method awaits between reading and writing its dicts, so each is atomic on the event
    loop without a lock. An ended session keeps its entry and token hashes (for ENDED)
    until its `expires_at`; sessions past `expires_at` are dropped as time (the `now`
    callers pass) moves past them.
    """

    def __init__(self) -> None:
        self._sessions: dict[uuid.UUID, _Entry] = {}
        self._by_hash: dict[str, uuid.UUID] = {}
        self._rotated: dict[str, tuple[uuid.UUID, datetime]] = {}
        # Live sessions only.
        self._by_user: dict[uuid.UUID, set[uuid.UUID]] = {}
        self._expiry: ExpiryQueue[uuid.UUID] = ExpiryQueue()

    async def create(self, session: Session, token_hash: str) -> None:
        # `create` gets no `now`; the session's own start is the best stand-in for it.
        self._drop_expired(session.created_at)
        self._sessions[session.id] = _Entry(dataclasses.replace(session), token_hash)
        self._by_hash[token_hash] = session.id
        self._by_user.setdefault(session.user_id, set()).add(session.id)
        self._expiry.push(session.expires_at, session.id)

    async def rotate(
        self, token_hash: str, new_token_hash: str, now: datetime, grace: timedelta
    ) -> Rotation:
        self._drop_expired(now)
        entry, rotated_at = self._presented(token_hash)
        if entry is None:
            return Rotation(RotationOutcome.UNKNOWN)
        if entry.ended:
            return Rotation(RotationOutcome.ENDED, dataclasses.replace(entry.session))
        if rotated_at is None:
            self._rotated[token_hash] = (entry.session.id, now)
            entry.rotated_hashes.append(token_hash)
            self._make_current(entry, new_token_hash, now)
            return Rotation(RotationOutcome.ROTATED, dataclasses.replace(entry.session))
        session = dataclasses.replace(entry.session)
        if now - rotated_at <= grace:
            return Rotation(outcome_within_grace(entry.token_hash, new_token_hash), session)
        self._end(session.id)
        return Rotation(RotationOutcome.REUSED, session)

    async def reissue(
        self, session_id: uuid.UUID, new_token_hash: str, now: datetime, epoch: int
    ) -> Session | None:
        if self._live(session_id, now) is None:
            return None
        entry = self._sessions[session_id]
        self._make_current(entry, new_token_hash, now)
        entry.session.epoch = epoch
        return dataclasses.replace(entry.session)

    async def live_epoch(
        self, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> int | None:
        session = self._live(session_id, now)
        return None if session is None or session.user_id != user_id else session.epoch

    async def get(self, session_id: uuid.UUID, now: datetime) -> Session | None:
        session = self._live(session_id, now)
        return None if session is None else dataclasses.replace(session)

    async def list_for_user(self, user_id: uuid.UUID, now: datetime) -> list[Session]:
        self._drop_expired(now)
        sessions = [
            dataclasses.replace(self._sessions[session_id].session)
            for session_id in self._by_user.get(user_id, set())
        ]
        return sorted(sessions, key=lambda session: session.created_at, reverse=True)

    async def revoke(self, session_id: uuid.UUID) -> bool:
        return self._end(session_id)

    async def revoke_all(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
        doomed = self._by_user.get(user_id, set()) - {keep}
        return sum(self._end(session_id) for session_id in doomed)

    def _presented(self, token_hash: str) -> tuple[_Entry | None, datetime | None]:
        """The entry a token belongs to, with when it was rotated (None if current)."""
        if (session_id := self._by_hash.get(token_hash)) is not None:
            return self._sessions[session_id], None
        if (rotated := self._rotated.get(token_hash)) is not None:
            session_id, rotated_at = rotated
            return self._sessions[session_id], rotated_at
        return None, None

    def _make_current(self, entry: _Entry, new_token_hash: str, now: datetime) -> None:
        """`new_token_hash` replaces the entry's current token, which no longer finds it."""
        del self._by_hash[entry.token_hash]
        self._by_hash[new_token_hash] = entry.session.id
        entry.token_hash = new_token_hash
        entry.session.last_used_at = now

    def _live(self, session_id: uuid.UUID, now: datetime) -> Session | None:
        self._drop_expired(now)
        entry = self._sessions.get(session_id)
        return None if entry is None or entry.ended else entry.session

    def _drop_expired(self, now: datetime) -> None:
        for session_id in self._expiry.due(now):
            self._end(session_id)
            entry = self._sessions.pop(session_id, None)
            if entry is not None:
                del self._by_hash[entry.token_hash]
                for rotated_hash in entry.rotated_hashes:
                    del self._rotated[rotated_hash]

    def _end(self, session_id: uuid.UUID) -> bool:
        """Ends a live session; its token hashes stay, to answer ENDED until it expires."""
        entry = self._sessions.get(session_id)
        if entry is None or entry.ended:
            return False
        entry.ended = True
        user_sessions = self._by_user[entry.session.user_id]
        user_sessions.discard(session_id)
        if not user_sessions:
            del self._by_user[entry.session.user_id]
        return True
