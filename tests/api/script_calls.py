"""What the script API tests do over and over: publish, read the audit trail, wait for
installs to be counted."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from tests.userscripts import userscript

if TYPE_CHECKING:
    import httpx

    from tests.api.client import HttpApi

INSTALLS_FOLDED_WITHIN = 10.0
"""Seconds: servers fold installs into `install_count` every 2 s."""


async def publish(api: HttpApi, token: str, **fields: Any) -> dict[str, Any]:
    """`POST /api/scripts` (a javascript "Dark Mode" unless `fields` say otherwise); the
    script."""
    body = {"name": "Dark Mode", "code": userscript(), "language": "javascript", **fields}
    response = await api.send("POST", "/api/scripts", token, json=body)
    assert response.status_code == 201, response.text
    script: dict[str, Any] = response.json()
    return script


async def post_version(api: HttpApi, token: str, script_id: str, **body: Any) -> httpx.Response:
    return await api.send("POST", f"/api/scripts/{script_id}/versions", token, json=body)


async def audited(api: HttpApi, action: str, resource_id: object) -> list[dict[str, Any]]:
    """The audit entries of `action` on the resource, as an admin reads them."""
    admin = (await api.role_holder("admin"))["access_token"]
    params = {"action": action, "resource_id": str(resource_id), "limit": 100}
    response = await api.get("/api/audit-logs", admin, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def install_count(api: HttpApi, script_id: str, token: str | None = None) -> int:
    response = await api.get(f"/api/scripts/{script_id}", token)
    assert response.status_code == 200, response.text
    count: int = response.json()["install_count"]
    return count


async def installs_counted(api: HttpApi, script_id: str, expected: int) -> None:
    """Wait until the script's `install_count` is `expected` (the server folds installs in
    batches)."""
    deadline = time.monotonic() + INSTALLS_FOLDED_WITHIN
    while (count := await install_count(api, script_id)) != expected:
        assert time.monotonic() < deadline, f"{count} installs counted, not {expected}"
        await asyncio.sleep(0.1)
