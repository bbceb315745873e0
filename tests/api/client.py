"""A thin helper over the test client for the calls most tests repeat."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from scripthub.application.accounts import Operator
from scripthub.application.users.change_roles import ChangeUserRoleCommand
from scripthub.entrypoints.containers import Container

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Api:
    client: AsyncTestClient  # type: ignore[type-arg]
    container: Container

    async def grant_role(self, email: str, role: str) -> None:
        """What an operator does with `scripthub users grant-role`, run on the app's own event
        loop (the test client serves the app from a thread with its own loop and pools)."""

        async def grant() -> None:
            change_role = self.container.use_cases.change_user_role()
            await change_role.execute(ChangeUserRoleCommand(Operator(), email, role, grant=True))

        self.client.blocking_portal.call(grant)

    async def admin(self) -> dict[str, Any]:
        """A fresh user holding the admin role, with a token pair minted after the grant."""
        pair = await self.register()
        await self.grant_role(pair["user"]["email"], "admin")
        return pair

    async def register(self, **fields: Any) -> dict[str, Any]:
        """Register a fresh user (unique email and username unless given); return the pair."""
        number = next(_numbers)
        body = {
            "email": f"user{number}@example.com",
            "username": f"user{number}",
            "password": PASSWORD,
            **fields,
        }
        response = await self.client.post("/api/auth/register", json=body)
        assert response.status_code == 201, response.text
        pair: dict[str, Any] = response.json()
        pair["password"] = body["password"]
        return pair

    async def get(self, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = bearer(token) if token else {}
        return await self.client.get(path, headers=headers, **kwargs)

    async def send(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**(bearer(token) if token else {}), **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert {"type", "title", "detail"} <= body.keys()
    return body
