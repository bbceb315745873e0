"""Reading a provider's JSON: what must be there fails the sign-in when it is not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scripthub.adapters.oauth.calls import ProviderCallError


def user_id(payload: Mapping[str, Any], key: str, stage: str) -> str:
    """The provider's id of the user (a string, or GitHub's number), as text."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ProviderCallError(stage, f"answered without a usable {key!r}")
    return str(value)


def access_token(payload: Mapping[str, Any]) -> str:
    value = payload.get("access_token")
    if not isinstance(value, str) or not value:
        raise ProviderCallError("token", "answered without an access_token")
    return value


def text(payload: Mapping[str, Any], key: str) -> str | None:
    """The value when it is a non-empty string; anything else counts as absent."""
    value = payload.get(key)
    return value if isinstance(value, str) and value else None
