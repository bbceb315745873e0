"""Clients that trickle, stall, send too much head or leave: a real `scripthub serve` over raw
sockets, with short limits so the cuts come within seconds. The PostgreSQL + Redis server
runs two workers, so the limits are shown to reach spawned workers too."""

from __future__ import annotations

import json
import re
import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import fresh_databases
from tests.served import Server, serving

HEAD_SECONDS = 1
BODY_IDLE_SECONDS = 2
MAX_HEADER_BYTES = 4096
MAX_HEADERS = 20
LIMITS = {
    "SCRIPTHUB_HEADER_TIMEOUT": str(HEAD_SECONDS),
    "SCRIPTHUB_BODY_IDLE_TIMEOUT": str(BODY_IDLE_SECONDS),
    "SCRIPTHUB_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
    "SCRIPTHUB_MAX_HEADERS": str(MAX_HEADERS),
}
SLACK = 3.0
"""How late a cut may come on a busy machine (two cores shared by the whole suite)."""
GIVE_UP = 12.0
"""Long past every limit: a connection still open by then was never going to be cut."""
LOGIN = "/api/auth/login"


@pytest.fixture(scope="module")
def server(
    wiring: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("server")
    workers = ("--workers", "2") if wiring == "postgres_redis" else ()
    with (
        fresh_databases(wiring, request, directory) as environment,
        serving(directory, *workers, **environment, **LIMITS) as started,
    ):
        yield started


def _connect(server: Server) -> socket.socket:
    address = urlsplit(server.base_url)
    return socket.create_connection((address.hostname, address.port), timeout=GIVE_UP)


def _until_cut(
    connection: socket.socket, chunks: Iterator[bytes], gap: float
) -> tuple[bytes, float]:
    """Send `chunks` one every `gap` seconds (nothing once they run out) until the server
    closes the connection: what it answered, and after how many seconds it closed."""
    started = time.monotonic()
    answer = b""
    while time.monotonic() - started < GIVE_UP:
        try:
            connection.sendall(next(chunks, b""))
            readable, _, _ = select.select([connection], [], [], gap)
            received = connection.recv(65536) if readable else None
        except (BrokenPipeError, ConnectionResetError):
            return answer, time.monotonic() - started
        if received == b"":
            return answer, time.monotonic() - started
        answer += received or b""
    pytest.fail(f"still open after {GIVE_UP} s; answered {answer!r}")


def _bytes(data: bytes) -> Iterator[bytes]:
    return (bytes([byte]) for byte in data)


def _forever(byte: bytes) -> Iterator[bytes]:
    while True:
        yield byte


def _status_and_problem(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *headers = head.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in headers)
    assert fields["content-type"] == "application/problem+json", answer
    assert fields["connection"] == "close", answer
    assert fields["x-content-type-options"] == "nosniff", answer  # as every answer has
    assert fields["cache-control"] == "no-store", answer
    assert len(fields["x-request-id"]) == 32, answer
    problem: dict[str, object] = json.loads(body)
    return int(status_line.split(" ")[1]), problem


def _exchange(server: Server, request: bytes) -> bytes:
    """Send a whole request at once; the whole answer, read until the server closes."""
    with _connect(server) as connection:
        answer, _ = _until_cut(connection, iter([request]), 0.1)
    return answer


def _statuses(server: Server, route: str) -> dict[str, float]:
    """The requests `/metrics` counts for `route`, by status."""
    counted: dict[str, float] = {}
    for family in text_string_to_metric_families(httpx.get(f"{server.base_url}/metrics").text):
        for sample in family.samples:
            if sample.name == "scripthub_http_requests_total" and sample.labels["route"] == route:
                status = sample.labels["status"]
                counted[status] = counted.get(status, 0) + sample.value
    return counted


def _cuts(server: Server) -> dict[str, float]:
    """The connections `/metrics` says were cut, by reason."""
    return {
        sample.labels["reason"]: sample.value
        for family in text_string_to_metric_families(httpx.get(f"{server.base_url}/metrics").text)
        for sample in family.samples
        if sample.name == "scripthub_http_clients_cut_total"
    }


def _login_head(length: int) -> bytes:
    return (
        f"POST {LOGIN} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("first_request", [False, True], ids=["new", "kept-alive"])
def test_a_head_sent_a_byte_a_second_is_cut_at_the_head_deadline(
    server: Server, *, first_request: bool
) -> None:
    with _connect(server) as connection:
        if first_request:
            connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n")
            assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")
        head = b"GET /health/live HTTP/1.1\r\nHost: test\r\nX-Slow: "
        answer, seconds = _until_cut(connection, _bytes(head + b"a" * 100), 0.2)

    assert HEAD_SECONDS - 0.1 < seconds < HEAD_SECONDS + SLACK
    status, problem = _status_and_problem(answer)
    assert (status, problem["status"], problem["code"]) == (408, 408, "request_timeout")


def test_a_connection_that_sends_nothing_is_closed_at_the_head_deadline(server: Server) -> None:
    before = _cuts(server).get("head_timeout", 0)
    with _connect(server) as connection:
        answer, seconds = _until_cut(connection, iter(()), 0.2)

    assert answer == b""  # nothing was asked: there is nothing to answer
    assert HEAD_SECONDS - 0.1 < seconds < HEAD_SECONDS + SLACK
    assert _cuts(server)["head_timeout"] >= before + 1


def test_a_body_that_stalls_is_cut_at_the_body_idle_deadline_and_counted_408(
    server: Server,
) -> None:
    before = _statuses(server, LOGIN).get("408", 0)
    with _connect(server) as connection:
        connection.sendall(_login_head(40) + b'{"email": "a')
        answer, seconds = _until_cut(connection, iter(()), 0.2)

    assert BODY_IDLE_SECONDS - 0.1 < seconds < BODY_IDLE_SECONDS + SLACK
    status, problem = _status_and_problem(answer)
    assert (status, problem["code"]) == (408, "request_timeout")
    counted = _statuses(server, LOGIN)
    assert counted.get("408", 0) == before + 1
    assert not [status for status in counted if status.startswith("5")]


def test_a_body_that_keeps_coming_is_not_cut_however_long_it_takes(server: Server) -> None:
    body = b'{"a": 1}'  # a byte every 0.4 s: 3.2 s in all, past the body idle limit
    with _connect(server) as connection:
        connection.sendall(_login_head(len(body)))
        for byte in _bytes(body):
            time.sleep(0.4)
            connection.sendall(byte)
        connection.settimeout(GIVE_UP)
        answer = connection.recv(65536)

    assert answer.startswith(b"HTTP/1.1 422 "), answer


@pytest.mark.parametrize(
    "headers",
    [
        [f"X-Many-{n}: {n}" for n in range(MAX_HEADERS)],
        [f"X-Large: {'a' * MAX_HEADER_BYTES}"],
        [f"X-Many-{n}: {'a' * 300}" for n in range(MAX_HEADER_BYTES // 300 + 1)],
    ],
    ids=["too-many", "one-too-large", "too-large-in-all"],
)
def test_too_many_or_too_large_headers_are_refused_with_431(
    server: Server, headers: list[str]
) -> None:
    head = "\r\n".join(["GET /health/live HTTP/1.1", "Host: test", *headers, "", ""])

    status, problem = _status_and_problem(_exchange(server, head.encode()))

    assert (status, problem["code"]) == (431, "header_fields_too_large")


def test_a_head_that_never_ends_is_refused_once_past_the_size_limit(server: Server) -> None:
    with _connect(server) as connection:
        connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: test\r\nX-Endless: ")
        answer, seconds = _until_cut(connection, _forever(b"a" * 1024), 0.01)

    assert seconds < HEAD_SECONDS  # refused for its size, before its time ran out
    status, problem = _status_and_problem(answer)
    assert (status, problem["code"]) == (431, "header_fields_too_large")


def test_a_head_within_the_limits_is_served(server: Server) -> None:
    headers = [f"X-Many-{n}: {'a' * 100}" for n in range(MAX_HEADERS - 1)]  # with Host: all
    head = "\r\n".join(["GET /health/live HTTP/1.1", "Host: test", *headers, "", ""])

    with _connect(server) as connection:
        connection.sendall(head.encode())
        assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")


def test_a_client_that_leaves_mid_body_is_neither_a_500_nor_an_error(server: Server) -> None:
    before = _statuses(server, LOGIN).get("499", 0)
    with _connect(server) as connection:
        connection.sendall(_login_head(40) + b'{"email": "a')
        time.sleep(0.3)

    deadline = time.monotonic() + GIVE_UP
    while _statuses(server, LOGIN).get("499", 0) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    counted = _statuses(server, LOGIN)
    assert counted.get("499", 0) == before + 1
    assert not [status for status in counted if status.startswith("5")]
    log = server.log.read_text()
    assert f"POST {LOGIN} 499" in log
    assert f"POST {LOGIN} 500" not in log
    assert "disconnected" not in log
    assert "HTTP 500" not in log


def test_a_malformed_request_is_a_400_problem(server: Server) -> None:
    status, problem = _status_and_problem(
        _exchange(server, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
    )

    assert (status, problem["code"]) == (400, "bad_request")


def test_an_upgrade_request_is_answered_as_an_ordinary_one_and_its_connection_closed(
    server: Server,
) -> None:
    upgrade = (
        b"GET /health/live HTTP/1.1\r\nHost: test\r\n"
        b"Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    )

    with _connect(server) as connection:
        answer, seconds = _until_cut(connection, iter([upgrade]), 0.1)

    assert answer.startswith(b"HTTP/1.1 200 "), answer
    assert seconds < SLACK  # not left open until the keep-alive timeout
    assert "Unsupported upgrade" not in server.log.read_text()


def test_requests_sent_together_on_one_connection_are_each_answered(server: Server) -> None:
    two = b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n" * 2
    body = b'{"a": 1}'
    login = _login_head(len(body)) + body

    with _connect(server) as connection:
        connection.sendall(two + login + b"GET /health/live HTTP/1.1\r\nHost: test\r\n")
        answer, _ = _until_cut(connection, iter(()), 0.2)  # the last head never ends

    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", answer) == [b"200", b"200", b"422", b"408"]


@pytest.mark.parametrize(("padding", "status"), [(4063, b"200"), (4064, b"431")])
def test_the_head_size_limit_counts_the_target_and_each_field_with_its_line_end(
    server: Server, padding: int, status: bytes
) -> None:
    # "/health/live" 12, "Host: test\r\n" 12, "X-Pad: " and "\r\n" 9: 4096 with 4063.
    head = f"GET /health/live HTTP/1.1\r\nHost: test\r\nX-Pad: {'a' * padding}\r\n\r\n"

    with _connect(server) as connection:
        connection.sendall(head.encode())
        answer = connection.recv(65536)

    assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer[:100]
