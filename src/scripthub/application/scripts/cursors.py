"""Opaque cursors over the keysets of script pages, one order each."""

from __future__ import annotations

import base64
import binascii
import math
import uuid
from datetime import datetime

from scripthub.application.pagination import Page, in_utc
from scripthub.application.ports.scripts import (
    SORT_KEY_TYPES,
    ScriptKeyset,
    ScriptPage,
    ScriptSort,
    SortKey,
)
from scripthub.domain.errors import BadRequestError
from scripthub.domain.scripts import Script


def encode_script_cursor(keyset: ScriptKeyset) -> str:
    """The cursor of `keyset`: its order, id and key (floats in hex, so they come back
    exactly)."""
    key = keyset.key
    if isinstance(key, datetime):
        text = key.isoformat()
    elif isinstance(key, float):
        text = key.hex()
    else:
        text = str(key)
    raw = f"{keyset.sort.value}|{keyset.id}|{text}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_script_cursor(cursor: str | None) -> ScriptKeyset | None:
    """The keyset behind a cursor `encode_script_cursor` made; anything else is a
    BadRequestError."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        sort_name, _, rest = raw.partition("|")
        key_id, _, text = rest.partition("|")
        sort = ScriptSort(sort_name)
        return ScriptKeyset(sort, _key(SORT_KEY_TYPES[sort], text), uuid.UUID(key_id))
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise BadRequestError("The cursor is not one this API issued.") from None


def script_page(page: ScriptPage) -> Page[Script]:
    """A repository's page of scripts with the cursor of its next page."""
    after = None if page.next is None else encode_script_cursor(page.next)
    return Page(page.scripts, after)


def _key(kind: type, text: str) -> SortKey:
    if kind is datetime:
        return in_utc(datetime.fromisoformat(text), "cursor")
    if kind is int:
        return int(text)
    if kind is float:
        value = float.fromhex(text)
        if not math.isfinite(value):
            raise ValueError(text)
        return value
    return text
