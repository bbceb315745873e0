"""The SourceFetcher on httpx, under the SSRF rules of docs/API.md ("Sources").

Each hop's host is resolved once per fetch (a redirect back to it reuses the answer), every
address it resolves to must be public, and the request goes to the address checked: the URL
sent to httpx names the address, the `Host` header and the TLS server name (SNI, and the name
the certificate is verified for) name the host. No second lookup happens anywhere, so a DNS
answer that changes between the check and the connection (rebinding) changes nothing.

Any port is allowed: the address checks are what keep private services out of reach, a
public host's other ports are open to anyone anyway, and over https a service that does not
speak TLS fails the handshake before it reads a byte of the request.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

import certifi

from scripthub.adapters.fetch import urls
from scripthub.adapters.fetch.addresses import IPAddress, Resolver, system_resolver
from scripthub.adapters.fetch.body import BodyRefusedError, CappedBody
from scripthub.adapters.fetch.failures import transport_failure
from scripthub.adapters.fetch.lookup import HostLookup
from scripthub.application.ports.source_fetcher import (
    FetchedFile,
    FetchValidators,
    NotModified,
    SourceUnreachableError,
)

if TYPE_CHECKING:
    import httpx

MAX_BYTES = 2 * 1024 * 1024
DEADLINE_SECONDS = 10.0
MAX_REDIRECTS = 3
USER_AGENT = "ScriptHub-SourceSync/1.0 (+https://scripthub.id)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_VALIDATOR = 1024


@dataclass(frozen=True)
class _Redirect:
    target: httpx.URL


class HttpxSourceFetcher:
    """Fetches with a fresh httpx client per hop (a pooled connection, verified for one host
    name, must never carry another host's request), ignoring proxy variables (a proxy would
    resolve the host itself).

    `allow_http` (development) lets plain http URLs through, never an https URL redirecting
    to http; `allow_loopback` (tests, refused in production) lets loopback addresses through,
    no other non-public kind. `ssl_context` defaults to certifi's CAs."""

    def __init__(
        self,
        *,
        allow_http: bool = False,
        allow_loopback: bool = False,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
        deadline: float = DEADLINE_SECONDS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self._allow_http = allow_http
        self._allow_loopback = allow_loopback
        self._resolver = resolver
        self._ssl_context = ssl_context
        self._deadline = deadline
        self._max_bytes = max_bytes

    async def fetch(
        self, url: str, validators: FetchValidators | None = None
    ) -> FetchedFile | NotModified:
        first = urls.parse(url)
        try:
            async with asyncio.timeout(self._deadline):
                return await self._follow(first, _conditions(validators or FetchValidators()))
        except TimeoutError:
            raise SourceUnreachableError(
                f"{urls.shown(first)} was not fetched within {self._deadline:g} s."
            ) from None

    async def _follow(
        self, first: httpx.URL, conditions: dict[str, str]
    ) -> FetchedFile | NotModified:
        lookup = HostLookup(self._resolver, allow_loopback=self._allow_loopback)
        current = first
        for hop in range(MAX_REDIRECTS + 1):
            try:
                urls.check(current, allow_http=self._allow_http)
                if hop and first.scheme == "https" and current.scheme != "https":
                    raise SourceUnreachableError(f"{urls.shown(current)} is not an https URL.")
                addresses = await lookup.addresses(current)
                outcome = await self._get(current, addresses, conditions)
            except SourceUnreachableError as error:
                if hop:
                    reason = str(error).removesuffix(".")
                    raise SourceUnreachableError(
                        f"{reason} (redirected from {urls.shown(first)})."
                    ) from None
                raise
            if not isinstance(outcome, _Redirect):
                return outcome
            current = outcome.target
        raise SourceUnreachableError(
            f"{urls.shown(first)} redirected more than {MAX_REDIRECTS} times."
        )

    async def _get(
        self, url: httpx.URL, addresses: list[IPAddress], conditions: dict[str, str]
    ) -> FetchedFile | NotModified | _Redirect:
        import httpx

        failure: httpx.TransportError | None = None
        for address in addresses:
            async with self._client() as client:
                request = client.build_request(
                    "GET",
                    url.copy_with(host=str(address)),
                    headers=_headers(url, conditions),
                    extensions={"sni_hostname": url.raw_host.decode("ascii").rstrip(".")},
                )
                try:
                    response = await client.send(request, stream=True)
                except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                    failure = error  # the next address may answer
                    continue
                except httpx.HTTPError as error:
                    raise transport_failure(url, error) from None
                try:
                    return await self._outcome(url, response, conditional=bool(conditions))
                except httpx.HTTPError as error:
                    raise transport_failure(url, error) from None
                finally:
                    await response.aclose()
        raise transport_failure(url, failure)

    async def _outcome(
        self, url: httpx.URL, response: httpx.Response, *, conditional: bool
    ) -> FetchedFile | NotModified | _Redirect:
        status = response.status_code
        if status == 304 and conditional:
            return NotModified()
        if status in _REDIRECTS and response.headers.get("Location"):
            return _Redirect(urls.join(url, response.headers["Location"]))
        if not 200 <= status < 300:
            raise SourceUnreachableError(f"{urls.shown(url)} answered {status}.")
        try:
            body = CappedBody(self._max_bytes, response.headers.get("Content-Encoding"))
            body.check_declared_length(response.headers.get("Content-Length"))
            async for chunk in response.aiter_raw():
                body.feed(chunk)
            content = body.finish()
        except BodyRefusedError as error:
            raise SourceUnreachableError(f"{urls.shown(url)} {error}.") from None
        return FetchedFile(
            body=content,
            validators=FetchValidators(
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            ),
        )

    def _client(self) -> httpx.AsyncClient:
        import httpx

        if self._ssl_context is None:
            self._ssl_context = _default_ssl_context()
        return httpx.AsyncClient(
            verify=self._ssl_context,
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(self._deadline),
            limits=httpx.Limits(max_keepalive_connections=0),
        )


def _headers(url: httpx.URL, conditions: dict[str, str]) -> dict[str, str]:
    return {
        "Host": url.netloc.decode("ascii"),
        "User-Agent": USER_AGENT,
        "Accept": "*/*",
        # Nothing compressed is asked for; CappedBody decodes (under the cap) what comes anyway.
        "Accept-Encoding": "identity",
        **conditions,
    }


def _conditions(validators: FetchValidators) -> dict[str, str]:
    """The conditional headers the validators make, leaving out a value that cannot be sent
    back as it came (not printable ASCII, or oversized): the fetch is then unconditional."""
    headers = {"If-None-Match": validators.etag, "If-Modified-Since": validators.last_modified}
    return {
        name: value
        for name, value in headers.items()
        if value and value.isascii() and value.isprintable() and len(value) <= _MAX_VALIDATOR
    }


def _default_ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())
