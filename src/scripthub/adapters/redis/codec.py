"""Sessions as Redis hash fields: datetimes as epoch seconds, absent values as absent fields."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scripthub.domain.sessions import Session

if TYPE_CHECKING:
    from collections.abc import Mapping

    from redis.typing import EncodableT, FieldT

_OPTIONAL_FIELDS = ("user_agent", "ip_address")


def text(value: bytes | str) -> str:
    """A reply as text, whether or not the client decodes responses."""
    return value.decode() if isinstance(value, bytes) else value


def to_epoch(moment: datetime) -> str:
    return repr(moment.timestamp())


def epoch_ms(moment: datetime) -> int:
    """A moment as Lua scripts compare them: whole epoch milliseconds."""
    return round(moment.timestamp() * 1000)


def span_ms(span: timedelta) -> int:
    return round(span.total_seconds() * 1000)


def from_epoch(value: str) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)


def encode_session(session: Session, token_hash: str) -> dict[FieldT, EncodableT]:
    fields: dict[FieldT, EncodableT] = {
        "user_id": str(session.user_id),
        "created_at": to_epoch(session.created_at),
        "last_used_at": to_epoch(session.last_used_at),
        "expires_at": to_epoch(session.expires_at),
        "provider": session.provider,
        "token_hash": token_hash,
        "epoch": session.epoch,
    }
    for name in _OPTIONAL_FIELDS:
        value = getattr(session, name)
        if value is not None:
            fields[name] = value
    return fields


def decode_session(session_id: uuid.UUID | str, fields: dict[str, str]) -> Session:
    return Session(
        id=uuid.UUID(str(session_id)),
        user_id=uuid.UUID(fields["user_id"]),
        created_at=from_epoch(fields["created_at"]),
        last_used_at=from_epoch(fields["last_used_at"]),
        expires_at=from_epoch(fields["expires_at"]),
        user_agent=fields.get("user_agent"),
        ip_address=fields.get("ip_address"),
        provider=fields["provider"],
        # Sessions stored before epochs existed belong to the first one.
        epoch=int(fields.get("epoch", 0)),
    )


def decode_fields(reply: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    """HGETALL's reply with text keys and values."""
    return {text(name): text(value) for name, value in reply.items()}


def pairs_to_fields(flat: list[bytes] | list[str]) -> dict[str, str]:
    """A Lua script's flat [field, value, ...] list (HGETALL's raw shape) as a dict."""
    values = [text(item) for item in flat]
    return dict(zip(values[::2], values[1::2], strict=True))


LIVE_EPOCH_FIELDS = ("user_id", "epoch")
"""The session hash's fields to HMGET for `live_epoch`."""


def live_epoch(reply: list[bytes | str | None], user_id: uuid.UUID) -> int | None:
    """The session's epoch from HMGET `LIVE_EPOCH_FIELDS` of its hash (Redis expires it at
    its `expires_at`), or None if there is no live session of `user_id`."""
    owner, epoch = reply
    if owner is None or text(owner) != str(user_id):
        return None
    return 0 if epoch is None else int(epoch)
