"""A TCP proxy that can freeze: a stand-in for a server that stops answering.

The real PostgreSQL and Redis serve every test running at the same time, so they must never
be stopped; a test points its client at this proxy instead. `frozen()` stops forwarding bytes
both ways while keeping every socket open and still accepting connections, as a stopped
(SIGSTOP) or wedged server does; leaving the block lets the bytes flow again, in order.
`down()` cuts every connection and refuses new ones instead, as a server that was stopped.

The proxy runs its own event loop on a thread of its own: the app under test may run on
another loop (the test client's) or on the test's, and either may be the one that waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from sqlalchemy import make_url

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterator

T = TypeVar("T")

_CHUNK = 64 * 1024


class FreezingProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port` between `start()` and
    `stop()`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._flowing = asyncio.Event()
        self._transports: set[asyncio.BaseTransport] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._thaw_later: asyncio.TimerHandle | None = None
        self._down = False
        self.port = 0

    def start(self) -> None:
        self._thread.start()
        self._server = self._call(self._listen())
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Close the port and every connection, then end the thread."""
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def route(self, url: str) -> str:
        """`url` (a database URL for the proxy's target) with the proxy in its place."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(False)

    @contextlib.contextmanager
    def frozen(self, at_most: float = 30.0) -> Iterator[None]:
        """Frozen for the block, or for `at_most` seconds if that is shorter: a client that
        would wait forever then fails its test rather than hanging it."""
        self._call(self._freeze(at_most))
        try:
            yield
        finally:
            self._loop.call_soon_threadsafe(self._thaw)

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """Down for the block, as a stopped server: every connection is cut, and new ones are
        closed as soon as they are accepted."""
        self._call(self._go_down())
        try:
            yield
        finally:
            self._call(self._come_up())

    async def _go_down(self) -> None:
        self._down = True
        for transport in list(self._transports):
            transport.abort()

    async def _come_up(self) -> None:
        self._down = False

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=5)

    async def _freeze(self, at_most: float) -> None:
        self._flowing.clear()
        self._thaw_later = self._loop.call_later(at_most, self._thaw)

    def _thaw(self) -> None:
        if self._thaw_later is not None:
            self._thaw_later.cancel()
        self._flowing.set()

    async def _listen(self) -> asyncio.Server:
        self._flowing.set()
        return await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        for transport in self._transports:
            transport.abort()
        self._flowing.set()
        # Aborted and flowing again, every pipe ends by itself.
        if pipes := asyncio.all_tasks() - {asyncio.current_task()}:
            await asyncio.wait(pipes, timeout=5)
        await self._server.wait_closed()

    async def _serve(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        if self._down:
            client.transport.abort()
            return
        self._transports.add(client.transport)
        try:
            server_reader, server = await asyncio.open_connection(*self._target)
        except OSError:
            client.transport.abort()
            return
        self._transports.add(server.transport)
        await asyncio.gather(self._pipe(client_reader, server), self._pipe(server_reader, client))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                # Waiting before the read too: a frozen server does not even read.
                await self._flowing.wait()
                data = await reader.read(_CHUNK)
                if not data:
                    break
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
            self._transports.discard(writer.transport)


@contextlib.contextmanager
def freezing_proxy(target_host: str, target_port: int) -> Iterator[FreezingProxy]:
    proxy = FreezingProxy(target_host, target_port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(name="redis_proxy")
def redis_proxy_fixture(redis_url: str) -> Iterator[FreezingProxy]:
    """A proxy to the test Redis server; `route()` its URL."""
    server = make_url(redis_url)
    with freezing_proxy(server.host or "127.0.0.1", server.port or 6379) as proxy:
        yield proxy


@pytest.fixture(name="postgres_proxy")
def postgres_proxy_fixture(postgres_database_url: str) -> Iterator[FreezingProxy]:
    """A proxy to the server of this test's own PostgreSQL database; `route()` its URL."""
    server = make_url(postgres_database_url)
    with freezing_proxy(server.host or "127.0.0.1", server.port or 5432) as proxy:
        yield proxy
