"""What the HTTP server itself answers, before or instead of the app, to a client it cuts:
problem JSON on a connection that closes after it."""

from __future__ import annotations

import http
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from scripthub.entrypoints.http.problems import CODE_BY_STATUS, PROBLEM_JSON, problem_body
from scripthub.entrypoints.http.requests import REQUEST_TIMEOUT


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str
    """The `reason` label of `scripthub_http_clients_cut_total`."""
    detail: str

    def answer(self, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
        """The whole HTTP/1.1 answer, with `headers` besides its own."""
        body = msgspec.json.encode(
            problem_body(self.status, CODE_BY_STATUS[self.status], self.detail)
        )
        fields = [
            *headers,
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        lines = [f"HTTP/1.1 {self.status} {http.HTTPStatus(self.status).phrase}".encode()]
        lines.extend(name + b": " + value for name, value in fields)
        return b"\r\n".join([*lines, b"", body])


MALFORMED = Refusal(400, "malformed", "The request is not valid HTTP/1.1.")
HEAD_TOO_LARGE = Refusal(431, "head_too_large", "The request's head is too large.")
TOO_MANY_FIELDS = Refusal(431, "too_many_headers", "The request has too many header fields.")
HEAD_LATE = Refusal(REQUEST_TIMEOUT, "head_timeout", "The request's head did not arrive in time.")
BODY_STALLED = Refusal(REQUEST_TIMEOUT, "body_idle", "The request's body stopped arriving.")
