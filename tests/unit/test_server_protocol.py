"""`GuardedHttpProtocol`'s deadlines where only the server is slow, on a clock the test moves:
the time the server itself takes is never counted against the client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from scripthub.entrypoints.http.server_protocol import ClientLimits, GuardedHttpProtocol

LIMITS = ClientLimits(head_seconds=10, body_idle_seconds=30, head_bytes=4096, header_fields=20)


class Clock:
    """The protocol's loop: timers wait for `advance`, tasks run on the real loop."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, asyncio.TimerHandle]] = []
        self._loop = asyncio.get_running_loop()

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        handle = asyncio.TimerHandle(self.now + delay, callback, (), self._loop)
        self._timers.append((self.now + delay, handle))
        return handle

    def create_task(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return self._loop.create_task(coroutine)

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [handle for when, handle in self._timers if when <= self.now]
        self._timers = [(when, handle) for when, handle in self._timers if when > self.now]
        for handle in due:
            if not handle.cancelled():
                handle._run()  # the loop's own way to run a due timer
        await asyncio.sleep(0)


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


class SlowApp:
    """Answers once `release` is set, after reading the whole body when `reads_body`."""

    def __init__(self, *, reads_body: bool) -> None:
        self.release = asyncio.Event()
        self.reads_body = reads_body
        self.received: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.release.wait()
        while self.reads_body:
            message = await receive()
            self.received.append(message)
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GuardedHttpProtocol, "limits", LIMITS)


def _connect(app: SlowApp, clock: Clock) -> tuple[GuardedHttpProtocol, Transport]:
    config = Config(app=app, http=GuardedHttpProtocol, ws="none", log_config=None)
    config.load()
    protocol = GuardedHttpProtocol(config, ServerState(), {}, _loop=clock)  # type: ignore[arg-type]
    transport = Transport()
    protocol.connection_made(transport)
    return protocol, transport


@pytest.mark.usefixtures("limits")
async def test_a_pipelined_head_is_timed_only_once_the_answers_before_it_are_sent() -> None:
    clock, app = Clock(), SlowApp(reads_body=False)
    protocol, transport = _connect(app, clock)
    protocol.data_received(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /next HTTP/1.1\r\n")

    await clock.advance(25)  # the first answer is still being worked out
    assert not transport.closed
    app.release.set()
    await asyncio.sleep(0)
    await clock.advance(LIMITS.head_seconds)

    assert transport.written.count(b"HTTP/1.1 200 ") == 1
    assert transport.closed  # by uvicorn's keep-alive timeout, or the head's deadline


@pytest.mark.usefixtures("limits")
async def test_a_body_the_app_has_not_asked_for_is_not_the_clients_silence() -> None:
    clock, app = Clock(), SlowApp(reads_body=True)
    protocol, transport = _connect(app, clock)
    head = b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n"
    protocol.data_received(head + b"a" * 100_000)  # past uvicorn's high-water mark: paused

    await clock.advance(LIMITS.body_idle_seconds * 3)
    assert not transport.closed
    app.release.set()
    await asyncio.sleep(0)
    await clock.advance(LIMITS.body_idle_seconds - 1)
    assert not transport.closed  # its silence counts from when the server read again
    await clock.advance(1)

    assert [len(message.get("body", b"")) for message in app.received] == [100_000, 0]
    assert transport.written.startswith(b"HTTP/1.1 408 ")
    assert transport.closed


@pytest.mark.usefixtures("limits")
async def test_a_body_still_coming_after_the_answer_is_cut_even_when_it_waited_for_100() -> None:
    clock, app = Clock(), SlowApp(reads_body=False)
    protocol, transport = _connect(app, clock)
    protocol.data_received(
        b"POST /x HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n"
    )
    app.release.set()
    await asyncio.sleep(0)
    assert transport.written.startswith(b"HTTP/1.1 200 ")

    for _ in range(3):  # a byte now and then keeps uvicorn's keep-alive timeout off
        await clock.advance(LIMITS.body_idle_seconds / 2)
        protocol.data_received(b"a")
    await clock.advance(LIMITS.body_idle_seconds)

    assert transport.closed
    assert b"408" not in transport.written  # answered already: only closed
