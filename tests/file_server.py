"""A real HTTP(S) server on 127.0.0.1 for the source fetcher's tests: each path answers what
the test put in `routes`, and every request is kept in `received` with the TLS server name
(SNI) the client sent.

    server = FileServer(tls=certificate.server_context())
    await server.start()
    server.routes["/a.user.js"] = Reply(body=b"...", headers={"ETag": '"v1"'})
    ...
    await server.stop()

Replies close the connection after them. `declared_length` sends that Content-Length instead
of the body's; `length=False` sends none (the body ends with the connection); `trickle` sends
the body a byte at a time, that many seconds apart (after `stall` seconds of silence)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None
    length: bool = True
    trickle: float | None = None


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    server_name: str | None


Route = Reply | Callable[[ReceivedRequest], Reply]


class FileServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.received: list[ReceivedRequest] = []
        self._tls = tls
        self._server_names: dict[int, str | None] = {}
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        if tls is not None:
            tls.sni_callback = self._remember_server_name

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    def url(self, host: str, path: str) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, 0, ssl=self._tls)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for handler in list(self._handlers):
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    def _remember_server_name(
        self, connection: ssl.SSLObject, server_name: str | None, _: ssl.SSLContext
    ) -> None:
        self._server_names[id(connection)] = server_name

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            request = await self._read(reader, writer)
            self.received.append(request)
            route = self.routes.get(request.path, Reply(404, b"SECRET-BODY: no such file"))
            await _send(writer, route if isinstance(route, Reply) else route(request))
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()
            # Cancelled by stop() too: the server is going away either way.
            with contextlib.suppress(ConnectionError, ssl.SSLError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _read(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> ReceivedRequest:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *lines = head.split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        ssl_object = writer.get_extra_info("ssl_object")
        server_name = self._server_names.get(id(ssl_object)) if ssl_object else None
        return ReceivedRequest(request_line.split(" ")[1], headers, server_name)


async def _send(writer: asyncio.StreamWriter, reply: Reply) -> None:
    headers = {"Connection": "close", **reply.headers}
    if reply.length:
        length = len(reply.body) if reply.declared_length is None else reply.declared_length
        headers["Content-Length"] = str(length)
    head = f"HTTP/1.1 {reply.status} Whatever\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    writer.write(f"{head}\r\n".encode("latin-1"))
    if reply.trickle is None:
        writer.write(reply.body)
        await writer.drain()
        return
    for index in range(len(reply.body)):
        writer.write(reply.body[index : index + 1])
        await writer.drain()
        await asyncio.sleep(reply.trickle)
