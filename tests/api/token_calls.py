"""Personal access tokens made over HTTP, as most token tests need one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.api.client import Api

PUBLISH = ["scripts:publish"]
READ = ["scripts:read"]


async def make_token(api: Api, session: str, **body: Any) -> dict[str, Any]:
    """A token of `session`'s user (`scripts:publish` unless `body` says otherwise)."""
    response = await api.send(
        "POST", "/api/users/me/tokens", session, json={"name": "ci", "scopes": PUBLISH, **body}
    )
    assert response.status_code == 201, response.text
    token: dict[str, Any] = response.json()
    return token
