"""The calls the report and moderation tests repeat."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.client import Api
from tests.api.script_calls import publish


async def owner_and_script(api: Api, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh owner (token pair) and a public script of theirs."""
    owner = await api.register()
    script = await publish(api, owner["access_token"], **fields)
    return owner, script


async def file(
    api: Api, token: str, script_id: str, reason: str = "malware", **body: Any
) -> httpx.Response:
    payload = {"reason": reason, "details": "It steals cookies.", **body}
    return await api.send("POST", f"/api/scripts/{script_id}/reports", token, json=payload)


async def filed(api: Api, token: str, script_id: str, **body: Any) -> dict[str, Any]:
    response = await file(api, token, script_id, **body)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


async def resolve(api: Api, token: str, report_id: str, **body: Any) -> httpx.Response:
    return await api.send("POST", f"/api/reports/{report_id}/resolve", token, json=body)


async def moderator(api: Api) -> str:
    token: str = (await api.role_holder("moderator"))["access_token"]
    return token
