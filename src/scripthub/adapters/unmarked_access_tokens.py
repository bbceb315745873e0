"""`AccessTokenMarks` that marks nothing: every token request reads the token's row."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid
    from collections.abc import Collection
    from datetime import datetime

    from scripthub.domain.access_tokens import AccessToken


class UnmarkedAccessTokens:
    """For the wirings without Redis, whose `SequentialAccessStateReader` reads every token
    as `TokenMark.UNKNOWN`: marks in one process could not hear a revocation in another
    (`scripthub` commands run beside the server, or workers on one database)."""

    async def mark_live(self, token_id: uuid.UUID, until: datetime) -> bool:  # noqa: ARG002
        return True

    async def mark_revoked(self, tokens: Collection[AccessToken]) -> None:
        pass
