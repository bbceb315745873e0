"""Which IP addresses a fetch may connect to: public unicast ones only, and how to resolve a
host name once into the addresses to check."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""A host name and port in, the host's addresses (as text) out; OSError when it has none.
Injectable so that tests can map made-up names to the addresses they need."""

LOOPBACK = "loopback"

_V4_KINDS = tuple(
    (ipaddress.IPv4Network(network), kind)
    for network, kind in (
        ("255.255.255.255/32", "broadcast"),
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (CGNAT)"),
        ("127.0.0.0/8", LOOPBACK),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "reserved"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
)
_V6_KINDS = tuple(
    (ipaddress.IPv6Network(network), kind)
    for network, kind in (
        ("::/128", "unspecified"),
        ("::1/128", LOOPBACK),
        ("64:ff9b:1::/48", "private"),
        ("2001::/32", "Teredo"),
        ("2001::/23", "reserved"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "private"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "private"),
        ("ff00::/8", "multicast"),
    )
)
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def non_public_kind(address: IPAddress) -> str | None:
    """What `address` is when a fetch must not connect to it (`loopback`, `private`,
    `link-local`, ...), or None for a public unicast address.

    An IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64 `64:ff9b::/96`, 6to4) is
    judged by that IPv4 address; the deprecated IPv4-compatible form and Teredo are refused
    whatever they carry. Past the tables, anything Python's `ipaddress` does not call global
    is refused too, and IPv6 must be global unicast (`2000::/3`)."""
    if isinstance(address, ipaddress.IPv4Address):
        return _v4_kind(address)
    embedded = _embedded_v4(address)
    if embedded is not None:
        return _v4_kind(embedded)
    for network, kind in _V6_KINDS:
        if address in network:
            return kind
    if address in _V4_COMPATIBLE:
        return "reserved"
    if address not in _GLOBAL_UNICAST or not address.is_global:
        return "reserved"
    return None


def _v4_kind(address: ipaddress.IPv4Address) -> str | None:
    for network, kind in _V4_KINDS:
        if address in network:
            return kind
    return None if address.is_global else "reserved"


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.sixtofour


async def system_resolver(host: str, port: int) -> list[str]:
    """The system's answer (getaddrinfo, off the event loop), each address once, in order."""
    answers = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    addresses: list[str] = []
    for family, _type, _proto, _name, sockaddr in answers:
        if family in {socket.AF_INET, socket.AF_INET6} and sockaddr[0] not in addresses:
            addresses.append(str(sockaddr[0]))
    return addresses
