"""Who is on the other end: client IP (honouring trusted proxies), user agent, and the
request's id."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import TypeVar

from litestar.types import Scope

from scripthub.domain.audit import RequestContext

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_USER_AGENT = 512
REQUEST_ID_STATE = "request_id"
"""The key of the request's id in the scope's state (`request.state.request_id`), which
`SecurityHeaders` sets first thing."""
_FROM_TRUSTED_PROXY_STATE = "from_trusted_proxy"
_CLIENT_IP_STATE = "client_ip"

T = TypeVar("T")


def request_header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def _peer(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def _per_request(scope: Scope, key: str, work: Callable[[], T]) -> T:
    """What `work` gives, worked out once per request and kept in the scope's state under
    `key`: the rate limiter, the request's context and its access line each ask."""
    state = scope["state"]
    if key not in state:
        state[key] = work()
    found: T = state[key]
    return found


def from_trusted_proxy(scope: Scope, trusted: Sequence[Network]) -> bool:
    """Whether the peer is one of our proxies, whose X-Forwarded-* headers are believed."""
    return _per_request(scope, _FROM_TRUSTED_PROXY_STATE, lambda: _trusted_peer(scope, trusted))


def _trusted_peer(scope: Scope, trusted: Sequence[Network]) -> bool:
    peer = _peer(scope)
    return peer is not None and bool(trusted) and _trusted(peer, trusted)


def client_ip(scope: Scope, trusted: Sequence[Network]) -> str | None:
    """The peer address, or, when the peer is a trusted proxy, the nearest untrusted hop of
    X-Forwarded-For (read right to left, so a client cannot spoof its way past our proxies)."""
    return _per_request(scope, _CLIENT_IP_STATE, lambda: _client_ip(scope, trusted))


def _client_ip(scope: Scope, trusted: Sequence[Network]) -> str | None:
    peer = _peer(scope)
    if peer is None or not from_trusted_proxy(scope, trusted):
        return peer
    forwarded = request_header(scope, b"x-forwarded-for")
    if not forwarded:
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def request_context(scope: Scope, trusted: Sequence[Network]) -> RequestContext:
    agent = request_header(scope, b"user-agent")
    return RequestContext(
        ip_address=client_ip(scope, trusted),
        user_agent=agent[:MAX_USER_AGENT] if agent else None,
        request_id=scope["state"].get(REQUEST_ID_STATE),
    )
