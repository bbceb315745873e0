"""The addresses a fetch may connect to for each host it meets: looked up once per fetch (a
redirect back to a host reuses the answer, so a changed answer is never seen), every one of
them public."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from scripthub.adapters.fetch import urls
from scripthub.adapters.fetch.addresses import LOOPBACK, IPAddress, Resolver, non_public_kind
from scripthub.application.ports.source_fetcher import SourceUnreachableError

if TYPE_CHECKING:
    import httpx


class HostLookup:
    """One fetch's answers, by host. `allow_loopback` lets loopback addresses through (tests),
    no other non-public kind."""

    def __init__(self, resolver: Resolver, *, allow_loopback: bool) -> None:
        self._resolver = resolver
        self._allow_loopback = allow_loopback
        self._answers: dict[str, list[IPAddress]] = {}

    async def addresses(self, url: httpx.URL) -> list[IPAddress]:
        host = url.raw_host.decode("ascii")
        if host not in self._answers:
            self._answers[host] = await self._checked(url, host)
        return self._answers[host]

    async def _checked(self, url: httpx.URL, host: str) -> list[IPAddress]:
        try:
            addresses = [ipaddress.ip_address(host)]
            literal = True
        except ValueError:
            addresses = await self._resolved(url, host)
            literal = False
        for address in addresses:
            kind = non_public_kind(address)
            if kind is None or (kind == LOOPBACK and self._allow_loopback):
                continue
            if literal:
                raise SourceUnreachableError(f"{urls.shown(url)} is not a public address ({kind}).")
            # The address itself is not named: it would map the private network to the user.
            raise SourceUnreachableError(
                f"{urls.shown(url)}: its host resolves to an address that is not public."
            )
        return addresses

    async def _resolved(self, url: httpx.URL, host: str) -> list[IPAddress]:
        try:
            answer = await self._resolver(host, urls.port_of(url))
            addresses = [ipaddress.ip_address(text) for text in answer]
        except (OSError, UnicodeError, ValueError):
            addresses = []
        if not addresses:
            raise SourceUnreachableError(f"{urls.shown(url)}: its host could not be resolved.")
        return addresses
