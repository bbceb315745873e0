"""Who is on the other end: client IP (honouring trusted proxies), user agent, and the
request's id."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from litestar.types import Scope

from scripthub.domain.audit import RequestContext

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_USER_AGENT = 512
REQUEST_ID_STATE = "request_id"
"""The key of the request's id in the scope's state (`request.state.request_id`), which
`SecurityHeaders` sets first thing."""
_FROM_TRUSTED_PROXY_STATE = "from_trusted_proxy"
_CLIENT_IP_STATE = "client_ip"


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


def from_trusted_proxy(scope: Scope, trusted: Sequence[Network]) -> bool:
    """Whether the peer is one of our proxies, whose X-Forwarded-* headers are believed
    (worked out once per request, like `client_ip`)."""
    state = scope["state"]
    if _FROM_TRUSTED_PROXY_STATE not in state:
        peer = _peer(scope)
        state[_FROM_TRUSTED_PROXY_STATE] = (
            peer is not None and bool(trusted) and _trusted(peer, trusted)
        )
    found: bool = state[_FROM_TRUSTED_PROXY_STATE]
    return found


def client_ip(scope: Scope, trusted: Sequence[Network]) -> str | None:
    """The peer address, or, when the peer is a trusted proxy, the nearest untrusted hop of
    X-Forwarded-For (read right to left, so a client cannot spoof its way past our proxies).

    The rate limiter, the request's context and its access line each ask: it is worked out
    once per request, and kept in the scope's state."""
    state = scope["state"]
    if _CLIENT_IP_STATE not in state:
        state[_CLIENT_IP_STATE] = _client_ip(scope, trusted)
    found: str | None = state[_CLIENT_IP_STATE]
    return found


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
