"""Cursors of script pages: every order's keyset comes back exactly; anything else is a 400."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from scripthub.application.ports.scripts import (
    ScriptKeyset,
    ScriptSort,
    unranked_installs,
    unranked_key,
)
from scripthub.application.scripts.cursors import decode_script_cursor, encode_script_cursor
from scripthub.domain.errors import BadRequestError

# Fixed, not random: pytest-xdist needs every worker to collect the same test ids.
ID = uuid.UUID("90af5469-9ff2-4cb5-9a9a-be9f4369a500")


@pytest.mark.parametrize(
    "keyset",
    [
        ScriptKeyset(ScriptSort.NEWEST, datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), ID),
        ScriptKeyset(ScriptSort.UPDATED, datetime(2026, 1, 2, tzinfo=UTC), ID),
        ScriptKeyset(ScriptSort.INSTALLS, 12345678901, ID),
        ScriptKeyset(ScriptSort.RATING, 11 / 3, ID),
        ScriptKeyset(ScriptSort.RELEVANCE, 0.0607927106320858, ID),
        ScriptKeyset(ScriptSort.RELEVANCE, unranked_key(12345678901), ID),
        ScriptKeyset(ScriptSort.NAME, "a|b é 名前", ID),
    ],
)
def test_every_keyset_comes_back_exactly(keyset: ScriptKeyset) -> None:
    assert decode_script_cursor(encode_script_cursor(keyset)) == keyset


def test_an_unranked_key_holds_its_install_count_exactly() -> None:
    assert unranked_installs(unranked_key(2**52 + 1)) == 2**52 + 1
    assert unranked_key(0) < unranked_key(1) < 0.0


def test_no_cursor_is_no_keyset() -> None:
    assert decode_script_cursor(None) is None


def test_a_time_with_an_offset_comes_back_in_utc() -> None:
    moment = datetime(2026, 1, 2, 12, tzinfo=timezone(timedelta(hours=2)))
    keyset = decode_script_cursor(encode_script_cursor(ScriptKeyset(ScriptSort.NEWEST, moment, ID)))
    assert keyset is not None
    assert keyset.key == moment
    assert keyset.key.tzinfo is UTC  # type: ignore[union-attr]


def forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        forged("sideways|" + str(ID) + "|1"),
        forged(f"installs|{ID}|many"),
        forged(f"rating|{ID}|nan"),
        forged(f"rating|{ID}|inf"),
        forged(f"newest|{ID}|2026-01-02T00:00:00"),
        forged("newest|not-an-id|2026-01-02T00:00:00+00:00"),
        forged("name"),
    ],
)
def test_anything_else_is_a_bad_request(cursor: str) -> None:
    with pytest.raises(BadRequestError):
        decode_script_cursor(cursor)
