"""Thin helpers over an HTTP client of the app for the calls most tests repeat."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar.testing import AsyncTestClient
from litestar.testing.transport import TestClientTransport

from scripthub.application.accounts import Operator
from scripthub.application.users.change_roles import ChangeUserRoleCommand
from scripthub.entrypoints.containers import Container
from tests.served import Server

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class HttpApi(ABC):
    """The calls most tests repeat, over an HTTP client of the app: in-process (`Api`) or a
    real server's (`ServedApi`)."""

    client: httpx.AsyncClient
    role_holders: dict[str, dict[str, Any]]
    """By role: the user `role_holder` made for this app."""

    @abstractmethod
    async def grant_role(self, email: str, role: str) -> None:
        """What an operator does with `scripthub users grant-role`."""

    @abstractmethod
    async def at_once(
        self, *requests: httpx.Request, last_after: float = 0.0
    ) -> list[httpx.Response]:
        """Send `requests` (made with `request`) really at the same time; the last one
        `last_after` seconds after the others, if given (to land in the middle of them)."""

    async def admin(self) -> dict[str, Any]:
        """A fresh user holding the admin role, with a token pair minted after the grant."""
        pair = await self.register()
        await self.grant_role(pair["user"]["email"], "admin")
        return pair

    async def role_holder(self, role: str) -> dict[str, Any]:
        """A user granted `role` and signed in after the grant (a token minted before it
        carries the old permissions): the token pair and the password. The same user every
        time for this app: on a real server a grant starts a process, which takes a second."""
        if role not in self.role_holders:
            pair = await self.register()
            await self.grant_role(pair["user"]["email"], role)
            body = {"email": pair["user"]["email"], "password": pair["password"]}
            response = await self.client.post("/api/auth/login", json=body)
            assert response.status_code == 200, response.text
            self.role_holders[role] = {**response.json(), "password": pair["password"]}
        return self.role_holders[role]

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

    def request(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Request:
        """A request to send with `at_once`."""
        headers = {**(bearer(token) if token else {}), **kwargs.pop("headers", {})}
        return self.client.build_request(method, path, headers=headers, **kwargs)


@dataclass
class Api(HttpApi):
    """The app served in this process by Litestar's test client."""

    client: AsyncTestClient  # type: ignore[type-arg]
    container: Container
    role_holders: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def grant_role(self, email: str, role: str) -> None:
        """Run on the app's own event loop (the test client serves the app from a thread with
        its own loop and pools)."""

        async def grant() -> None:
            change_role = self.container.use_cases.change_user_role()
            await change_role.execute(ChangeUserRoleCommand(Operator(), email, role, grant=True))

        self.client.blocking_portal.call(grant)

    def verify_email(self, user_id: str) -> None:
        """Mark the account's email verified, as its verification link would."""

        async def mark() -> None:
            async with self.container.adapters.unit_of_work() as uow:
                await uow.users.mark_email_verified(uuid.UUID(user_id), datetime.now(UTC))
                await uow.commit()

        self.client.blocking_portal.call(mark)

    async def verified_user(self) -> dict[str, Any]:
        """A fresh user whose email is verified: the token pair and the password."""
        pair = await self.register()
        self.verify_email(pair["user"]["id"])
        return pair

    async def at_once(
        self, *requests: httpx.Request, last_after: float = 0.0
    ) -> list[httpx.Response]:
        """The test client's transport blocks its caller until the answer (so
        `asyncio.gather` over `self.client` sends one request after the other); here each
        request has a thread of its own, all released together, and the app serves them
        concurrently on its event loop."""
        transport = TestClientTransport(self.client)
        start = threading.Barrier(len(requests))

        def send(request: httpx.Request) -> httpx.Response:
            start.wait()
            if request is requests[-1]:
                time.sleep(last_after)
            response = transport.handle_request(request)
            response.read()
            return response

        return list(await asyncio.gather(*(asyncio.to_thread(send, r) for r in requests)))


@dataclass
class ServedApi(HttpApi):
    """A real `scripthub serve` over TCP."""

    client: httpx.AsyncClient
    server: Server
    role_holders: dict[str, dict[str, Any]]
    """Shared by the tests that share the server."""

    @classmethod
    @contextlib.asynccontextmanager
    async def connected(
        cls, server: Server, role_holders: dict[str, dict[str, Any]] | None = None
    ) -> AsyncIterator[ServedApi]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            yield cls(client, server, {} if role_holders is None else role_holders)

    async def grant_role(self, email: str, role: str) -> None:
        """With the CLI, in a process of its own, on the server's database."""
        await asyncio.to_thread(self.server.run, "users", "grant-role", email, role)

    async def at_once(
        self, *requests: httpx.Request, last_after: float = 0.0
    ) -> list[httpx.Response]:
        """Each request on a connection of its own, all in flight together."""

        async def send(request: httpx.Request) -> httpx.Response:
            if request is requests[-1]:
                await asyncio.sleep(last_after)
            return await self.client.send(request)

        return list(await asyncio.gather(*(send(r) for r in requests)))


def audited_metadata(entry: dict[str, Any]) -> dict[str, Any]:
    """An audit entry's metadata without the `request_id` that every entry recorded while
    serving a request carries (which must be there)."""
    metadata = dict(entry["metadata"])
    assert isinstance(metadata.pop("request_id"), str), entry
    return metadata


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert {"type", "title", "detail"} <= body.keys()
    return body
