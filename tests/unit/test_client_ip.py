"""Which address a request is counted and audited under."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from scripthub.entrypoints.http.client import REQUEST_ID_STATE, client_ip, request_context

PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)


def scope(peer: str, forwarded: str | None = None, agent: str | None = None) -> Any:
    headers = []
    if forwarded is not None:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    if agent is not None:
        headers.append((b"user-agent", agent.encode()))
    state = {REQUEST_ID_STATE: "req-1"}
    return {"type": "http", "client": (peer, 1234), "headers": headers, "state": state}


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", "1.2.3.4", (), "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", PROXIES, "203.0.113.9"),
        ("10.0.0.5", None, PROXIES, "10.0.0.5"),
        ("10.0.0.5", "198.51.100.7", PROXIES, "198.51.100.7"),
        ("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.4", PROXIES, "198.51.100.7"),
        ("10.0.0.5", "10.0.0.3, 10.0.0.4", PROXIES, "10.0.0.3"),
        ("10.0.0.5", "garbage, 198.51.100.7", PROXIES, "198.51.100.7"),
    ],
)
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    peer: str, forwarded: str | None, trusted: Any, expected: str
) -> None:
    assert client_ip(scope(peer, forwarded), trusted) == expected


def test_user_agent_is_kept_and_capped_beside_the_request_id() -> None:
    context = request_context(scope("203.0.113.9", agent="x" * 2000), ())

    assert context.ip_address == "203.0.113.9"
    assert context.user_agent == "x" * 512
    assert context.request_id == "req-1"
