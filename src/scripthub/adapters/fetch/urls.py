"""The URL of each hop of a fetch: parsed once (by httpx, the parser that then sends the
request, so the two never disagree about the host), checked, and shown in messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.application.ports.source_fetcher import SourceUnreachableError

if TYPE_CHECKING:
    import httpx

_SHOWN_LENGTH = 100
DEFAULT_PORTS = {"https": 443, "http": 80}


def parse(url: str) -> httpx.URL:
    import httpx

    try:
        return _decodable(httpx.URL(url.strip()))
    except (httpx.InvalidURL, TypeError, ValueError):
        raise SourceUnreachableError("The source URL is not a valid URL.") from None


def check(url: httpx.URL, *, allow_http: bool) -> None:
    """Refuse what no hop may be: another scheme, credentials in the URL, no host, a port
    out of range (httpx parses any number)."""
    allowed = {"https", "http"} if allow_http else {"https"}
    if url.scheme not in allowed:
        scheme = "an http(s)" if allow_http else "an https"
        raise SourceUnreachableError(f"{shown(url)} is not {scheme} URL.")
    if url.userinfo:
        raise SourceUnreachableError(f"{shown(url)} carries a user name or password.")
    if not url.host:
        raise SourceUnreachableError(f"{shown(url)} has no host.")
    if not 0 < port_of(url) < 65536:
        raise SourceUnreachableError(f"{shown(url)} has no valid port.")


def join(url: httpx.URL, location: str) -> httpx.URL:
    """Where a redirect from `url` to `location` (perhaps relative) goes, fragment dropped.
    (httpx has refused most invalid Locations already, as RemoteProtocolError.)"""
    import httpx

    try:
        return _decodable(url.join(location).copy_with(fragment=None))
    except (httpx.InvalidURL, TypeError, ValueError):
        raise SourceUnreachableError(f"{shown(url)} redirected to an invalid URL.") from None


def _decodable(url: httpx.URL) -> httpx.URL:
    """`url`, once its host is known to decode: an `xn--` label that is not valid IDNA
    raises (a UnicodeError, so a ValueError) when the host is first read."""
    _ = url.host
    return url


def port_of(url: httpx.URL) -> int:
    return url.port if url.port is not None else DEFAULT_PORTS.get(url.scheme, 0)


def shown(url: httpx.URL) -> str:
    """The URL as messages name it: scheme, host, port and path, without credentials, query
    or fragment, and cut short."""
    if not url.host:
        return "The source URL"
    port = f":{url.port}" if url.port is not None else ""
    host = url.raw_host.decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    text = f"{url.scheme}://{host}{port}{url.path}"
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 3] + "..."
