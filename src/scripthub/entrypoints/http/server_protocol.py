"""The HTTP/1.1 protocol `scripthub serve` runs: uvicorn's httptools protocol with the limits on
slow and oversized clients that uvicorn leaves out (README, "Slow clients").

uvicorn bounds neither the time a head may take nor a body's silences, and its httptools
protocol bounds neither a head's size nor its number of fields: one client sending a byte a
second, or an endless header, would hold a connection (and its memory) for as long as it
liked. Here a head must arrive whole within `head_seconds` of its first byte (of the
connection, for its first request), a body may go `body_idle_seconds` without a byte, and a
head past `head_bytes` or `header_fields` is refused with 431 as soon as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from scripthub.entrypoints.http.metrics import CLIENTS_CUT
from scripthub.entrypoints.http.requests import mark_cut
from scripthub.entrypoints.http.security_headers import (
    NO_STORE,
    Headers,
    new_request_id,
    security_headers,
)
from scripthub.entrypoints.http.server_refusals import (
    BODY_STALLED,
    HEAD_LATE,
    HEAD_TOO_LARGE,
    MALFORMED,
    TOO_MANY_FIELDS,
    Refusal,
)
from scripthub.entrypoints.settings import Settings

FIELD_OVERHEAD = 4
"""The bytes of a header line beside its name and value: ": " and CRLF."""


@dataclass(frozen=True)
class ClientLimits:
    head_seconds: float = 10
    body_idle_seconds: float = 30
    head_bytes: int = 16 * 1024
    header_fields: int = 100

    @classmethod
    def of(cls, settings: Settings) -> ClientLimits:
        return cls(
            settings.header_timeout,
            settings.body_idle_timeout,
            settings.max_header_bytes,
            settings.max_headers,
        )


class _HeadRefusedError(Exception):
    """Stops the parser mid-head; `data_received` answers the refusal kept beside it."""


class GuardedHttpProtocol(HttpToolsProtocol):
    """One connection. Its single timer is the head's deadline while a head is read (or
    awaited on a new connection) and the body's idle deadline while a body is; between
    requests uvicorn's keep-alive timeout holds."""

    limits: ClassVar[ClientLimits] = ClientLimits()
    answer_headers: ClassVar[Headers] = (*security_headers(production=False), NO_STORE)
    """What every answer of the app carries besides its `X-Request-ID`."""

    @classmethod
    def configure(cls, settings: Settings) -> None:
        """Called by the app factory of a served process, before its server accepts a
        connection: the protocol is built by uvicorn, which passes it no settings of ours."""
        cls.limits = ClientLimits.of(settings)
        production = settings.env == "production"
        cls.answer_headers = (*security_headers(production=production), NO_STORE)

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._timer: asyncio.TimerHandle | None = None
        self._head_open = False
        self._body_open = False
        self._head_received = 0
        """The bytes of the chunks received wholly inside the head: the field being parsed
        stays inside httptools, unseen, until it ends."""
        self._chunk_bytes = 0
        self._message_began = False
        self._body_seen_at = 0.0
        self._refusal = MALFORMED

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.head_seconds, self._head_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """uvicorn's own, but a head refused for its size is answered 431, and every refusal
        as problem+json, counted instead of logged. A head or body that this chunk leaves
        unfinished is timed from here: most requests arrive whole, and arm no timer."""
        self._unset_keepalive_if_required()
        inside_head, self._message_began = self._head_open, False
        self._chunk_bytes = len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # No protocol is switched to (`ws="none"`): the request is served as an ordinary
            # one, and the parser reads nothing after it, so the connection ends with its answer.
            self.shutdown()
            return
        except httptools.HttpParserError:
            self._refuse(self._refusal, answer=self._between_answers())
            return
        if self._head_open:
            if inside_head and not self._message_began:
                self._head_received += len(data)
                if self._head_received > self.limits.head_bytes:
                    self._refuse(HEAD_TOO_LARGE, answer=self._between_answers())
                    return
            if self._timer is None:  # else the connection's first head, timed from connecting
                self._arm(self.limits.head_seconds, self._head_late)
        elif self._body_open and self._timer is None:
            self._body_seen_at = self.loop.time()
            self._arm(self.limits.body_idle_seconds, self._body_late)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._message_began = self._head_open = True
        self._head_received = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        if len(self.headers) > self.limits.header_fields:
            self._refusal = TOO_MANY_FIELDS
            raise _HeadRefusedError

    def on_headers_complete(self) -> None:
        # The chunks that held the head bound its size: most heads are not worth measuring.
        if self._head_received + self._chunk_bytes > self.limits.head_bytes:
            size = len(self.url) + sum(len(n) + len(v) + FIELD_OVERHEAD for n, v in self.headers)
            if size > self.limits.head_bytes:
                self._refusal = HEAD_TOO_LARGE
                raise _HeadRefusedError
        self._head_open = False
        self._disarm()
        super().on_headers_complete()
        self._body_open = True

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._body_seen_at = self.loop.time()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._body_open = False
        self._disarm()

    def _between_answers(self) -> bool:
        """Whether nothing is being answered on this connection: a pipelined request's answer
        under way or still to come must not be preceded or broken by a refusal."""
        return self.cycle is None or self.cycle.response_complete

    def _head_late(self) -> None:
        self._timer = None
        if not self._between_answers():
            # A pipelined head waits for the answers before it; it is timed once they are sent.
            self._arm(self.limits.head_seconds, self._head_late)
        else:  # a connection that asked nothing is closed without an answer
            self._refuse(HEAD_LATE, answer=self._head_open)

    def _body_late(self) -> None:
        self._timer = None
        now = self.loop.time()
        cycle = self.cycle
        if not cycle.response_complete and (
            self.flow.read_paused or cycle.waiting_for_100_continue
        ):
            # The server is not reading yet (the app has not asked for the body): not the
            # client's silence. Once answered, a body still coming is the client's alone.
            self._body_seen_at = now
        idle = now - self._body_seen_at
        if idle < self.limits.body_idle_seconds:
            self._arm(self.limits.body_idle_seconds - idle, self._body_late)
            return
        answer = not cycle.response_started
        if answer:
            mark_cut(cycle.scope["state"], BODY_STALLED.status)
        self._refuse(BODY_STALLED, answer=answer)

    def _refuse(self, refusal: Refusal, *, answer: bool) -> None:
        """Close the connection, after answering `refusal` when `answer`."""
        if self.transport.is_closing():
            return
        CLIENTS_CUT.labels(refusal.reason).inc()
        if answer:
            headers = [
                *self.server_state.default_headers,
                *self.answer_headers,
                (b"x-request-id", new_request_id().encode()),  # as every answer has; unlogged
            ]
            self.transport.write(refusal.answer(headers))
        if self.cycle is not None and not self.cycle.response_complete:
            # What uvicorn does once the connection is lost, done now: the app's next `receive`
            # is a disconnect, and whatever it sends is dropped rather than written after this.
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()

    def _arm(self, seconds: float, callback: Callable[[], None]) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
