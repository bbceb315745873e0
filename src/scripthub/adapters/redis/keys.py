"""Key names of the Redis token store, shared with anything that pipelines against it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid


@dataclass(frozen=True)
class SessionStoreKeys:
    """Where sessions live under `prefix`.

    `session(id)` is the key whose existence means "this session is live" (it expires with
    the session), so the hot path can HGET its owner in the same pipeline as other lookups. An
    ended session moves to `ended_session(id)` until it would have expired.
    """

    prefix: str = "scripthub:"

    @property
    def session_namespace(self) -> str:
        return f"{self.prefix}session:"

    @property
    def ended_session_namespace(self) -> str:
        return f"{self.prefix}ended_session:"

    @property
    def refresh_namespace(self) -> str:
        return f"{self.prefix}refresh:"

    @property
    def rotated_namespace(self) -> str:
        return f"{self.prefix}rotated:"

    @property
    def user_sessions_namespace(self) -> str:
        return f"{self.prefix}user_sessions:"

    def session(self, session_id: uuid.UUID | str) -> str:
        return f"{self.session_namespace}{session_id}"

    def ended_session(self, session_id: uuid.UUID | str) -> str:
        return f"{self.ended_session_namespace}{session_id}"

    def refresh(self, token_hash: str) -> str:
        return f"{self.refresh_namespace}{token_hash}"

    def rotated(self, token_hash: str) -> str:
        return f"{self.rotated_namespace}{token_hash}"

    def user_sessions(self, user_id: uuid.UUID) -> str:
        return f"{self.user_sessions_namespace}{user_id}"
