"""Sessions and refresh-token hashes in Redis, shared by every process and host."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.adapters.redis import session_scripts
from scripthub.adapters.redis.codec import (
    LIVE_EPOCH_FIELDS,
    decode_fields,
    decode_session,
    encode_session,
    live_epoch,
    pairs_to_fields,
    text,
    to_epoch,
)
from scripthub.adapters.redis.errors import cache_unavailable_as_503
from scripthub.adapters.redis.keys import SessionStoreKeys
from scripthub.domain.sessions import Rotation, RotationOutcome, Session

if TYPE_CHECKING:
    import uuid
    from datetime import datetime, timedelta

    from redis.asyncio import Redis


class RedisSessionStore:
    """`SessionStore` on Redis.

    A session is a hash under `SessionStoreKeys.session(id)` that Redis expires at the
    session's `expires_at`; `refresh:{hash}` points at the session of the current token,
    `rotated:{hash}` remembers superseded tokens (for the reuse check) until the session
    would expire, and `user_sessions:{user}` indexes a user's live sessions. Ending a
    session renames its hash to `ended_session:{id}` (keeping its expiry) and leaves the
    refresh and rotated keys in place, so its tokens yield ENDED until it would have
    expired. Every write that spans several keys runs as one Lua script or MULTI block.
    """

    def __init__(self, client: Redis, prefix: str = "scripthub:") -> None:
        self._client = client
        self.keys = SessionStoreKeys(prefix)
        self._rotate = client.register_script(session_scripts.ROTATE)
        self._end_session = client.register_script(session_scripts.END_SESSION)
        self._end_user_sessions = client.register_script(session_scripts.END_USER_SESSIONS)
        self._reissue = client.register_script(session_scripts.REISSUE)
        self._namespaces = (
            self.keys.session_namespace,
            self.keys.ended_session_namespace,
            self.keys.user_sessions_namespace,
        )

    @cache_unavailable_as_503
    async def create(self, session: Session, token_hash: str) -> None:
        session_key = self.keys.session(session.id)
        user_key = self.keys.user_sessions(session.user_id)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hset(session_key, mapping=encode_session(session, token_hash))
            pipe.pexpireat(session_key, session.expires_at)
            pipe.set(self.keys.refresh(token_hash), str(session.id), pxat=session.expires_at)
            pipe.sadd(user_key, str(session.id))
            # The index lives as long as the user's longest session: NX sets a first
            # expiry, GT only ever extends it.
            pipe.pexpireat(user_key, session.expires_at, nx=True)
            pipe.pexpireat(user_key, session.expires_at, gt=True)
            await pipe.execute()

    @cache_unavailable_as_503
    async def rotate(
        self, token_hash: str, new_token_hash: str, now: datetime, grace: timedelta
    ) -> Rotation:
        reply = await self._rotate(
            keys=[
                self.keys.refresh(token_hash),
                self.keys.rotated(token_hash),
                self.keys.refresh(new_token_hash),
            ],
            args=[*self._namespaces, new_token_hash, to_epoch(now), grace.total_seconds()],
        )
        outcome = RotationOutcome[text(reply[0])]
        if outcome is RotationOutcome.UNKNOWN:
            return Rotation(outcome)
        return Rotation(outcome, decode_session(text(reply[1]), pairs_to_fields(reply[2:])))

    @cache_unavailable_as_503
    async def reissue(
        self, session_id: uuid.UUID, new_token_hash: str, now: datetime, epoch: int
    ) -> Session | None:
        reply = await self._reissue(
            keys=[self.keys.session(session_id), self.keys.refresh(new_token_hash)],
            args=[
                *self._namespaces,
                str(session_id),
                new_token_hash,
                to_epoch(now),
                self.keys.refresh_namespace,
                epoch,
            ],
        )
        return _live(session_id, pairs_to_fields(reply), now) if reply else None

    @cache_unavailable_as_503
    async def live_epoch(
        self,
        session_id: uuid.UUID,
        user_id: uuid.UUID,
        now: datetime,  # noqa: ARG002
    ) -> int | None:
        reply = await self._client.hmget(self.keys.session(session_id), LIVE_EPOCH_FIELDS)
        return live_epoch(reply, user_id)

    @cache_unavailable_as_503
    async def get(self, session_id: uuid.UUID, now: datetime) -> Session | None:
        fields = decode_fields(await self._client.hgetall(self.keys.session(session_id)))
        return _live(session_id, fields, now)

    @cache_unavailable_as_503
    async def list_for_user(self, user_id: uuid.UUID, now: datetime) -> list[Session]:
        user_key = self.keys.user_sessions(user_id)
        session_ids = [text(member) for member in await self._client.smembers(user_key)]
        async with self._client.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.hgetall(self.keys.session(session_id))
            replies = await pipe.execute()
        found = dict(zip(session_ids, map(decode_fields, replies), strict=True))
        if expired := [session_id for session_id, fields in found.items() if not fields]:
            await self._client.srem(user_key, *expired)
        sessions = [
            session
            for session_id, fields in found.items()
            if (session := _live(session_id, fields, now)) is not None
        ]
        return sorted(sessions, key=lambda session: session.created_at, reverse=True)

    @cache_unavailable_as_503
    async def revoke(self, session_id: uuid.UUID) -> bool:
        ended = await self._end_session(args=[*self._namespaces, str(session_id)])
        return int(ended) == 1

    @cache_unavailable_as_503
    async def revoke_all(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
        kept = "" if keep is None else str(keep)
        ended = await self._end_user_sessions(args=[*self._namespaces, str(user_id), kept])
        return int(ended)


def _live(session_id: uuid.UUID | str, fields: dict[str, str], now: datetime) -> Session | None:
    if not fields:
        return None
    session = decode_session(session_id, fields)
    return session if session.expires_at > now else None
