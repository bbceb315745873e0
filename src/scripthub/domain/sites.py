"""The sites a userscript runs on, read from its `@match` and `@include` patterns, and the
host a visitor browses by.

Patterns are the author's text: each is read left to right with string methods, in time
linear in its length (at most 2,048 characters), and a script's first 100 patterns only.
What cannot be read as a site is left out: regular expressions (`/.../`), schemes that are
not the web's (`file://`), wildcards inside a host (`www.google.*`). A host is folded
(lower case, IDNA for non-ASCII, no trailing dot) and its leading `www.` dropped: `www.x.org`
and `x.org` are one site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scripthub.domain.errors import BadRequestError

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_PATTERNS = 100
MAX_PATTERN_LENGTH = 2048
MAX_HOST_LENGTH = 253
_WEB_SCHEMES = ("http", "https")
_HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


@dataclass(frozen=True)
class SiteTargets:
    """Where a script runs: `hosts` exactly, `domains` and every subdomain of them, and
    every site when `everywhere` (`<all_urls>`, `*://*/*`, `@include *`)."""

    hosts: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    everywhere: bool = False


NO_SITES = SiteTargets()


def pattern_sites(patterns: Iterable[str]) -> SiteTargets:
    """The sites of a script's `@match` and `@include` patterns."""
    hosts: set[str] = set()
    domains: set[str] = set()
    everywhere = False
    for count, pattern in enumerate(patterns):
        if count == MAX_PATTERNS:
            break
        site = _pattern_site(pattern.strip())
        if isinstance(site, _Everywhere):
            everywhere = True
        elif site is not None:
            host, subdomains = site
            (domains if subdomains else hosts).add(host)
    return SiteTargets(frozenset(hosts - domains), frozenset(domains), everywhere)


def browsed_site(text: str) -> str:
    """The folded host a visitor asks for (`YouTube.com`, `www.youtube.com.`: `youtube.com`).

    Raises BadRequestError for anything but a host name.
    """
    host = _folded_host(text.strip())
    if host is None:
        raise BadRequestError("site must be a host name, such as youtube.com.")
    return host


def host_and_parents(host: str) -> list[str]:
    """`host` and each domain above it: `m.youtube.com`, `youtube.com`, `com`."""
    labels = host.split(".")
    return [".".join(labels[start:]) for start in range(len(labels))]


class _Everywhere:
    pass


_EVERYWHERE = _Everywhere()


def _pattern_site(pattern: str) -> tuple[str, bool] | _Everywhere | None:
    """(host, with its subdomains) of one pattern, `_EVERYWHERE`, or None."""
    if len(pattern) > MAX_PATTERN_LENGTH or pattern.startswith("/"):
        return None  # too long to be a real one, or a regular expression
    if pattern == "<all_urls>":
        return _EVERYWHERE
    scheme, separator, rest = pattern.partition("://")
    if not separator:
        # An @include glob without a scheme: `*` (every page) or `*example.com*`.
        if not pattern.startswith("*"):
            return None
        rest = pattern
    elif not _web_scheme(scheme):
        return None
    return _host_site(_authority(rest))


def _host_site(host: str) -> tuple[str, bool] | _Everywhere | None:
    if not host.strip("*"):
        return _EVERYWHERE
    subdomains = host.startswith("*")
    named = host.lstrip("*").lstrip(".")
    if named.rstrip("*").endswith("."):
        return None  # any top-level domain (`www.google.*`): no one host
    folded = _folded_host(named.rstrip("*"))
    return None if folded is None else (folded, subdomains)


def _web_scheme(scheme: str) -> bool:
    """Whether a scheme glob (`*`, `http*`, `https`) matches http or https."""
    if scheme == "*":
        return True
    if len(scheme) > len("https*") or scheme.count("*") > 1:
        return False
    head, star, tail = scheme.lower().partition("*")
    if not star:
        return head in _WEB_SCHEMES
    return any(
        len(name) >= len(head) + len(tail) and name.startswith(head) and name.endswith(tail)
        for name in _WEB_SCHEMES
    )


def _authority(rest: str) -> str:
    """The host of what follows `://`, without user, password nor port."""
    end = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    authority = rest[:end].rpartition("@")[2]
    return authority.partition(":")[0]


def _folded_host(host: str) -> str | None:
    folded = host.lower().removesuffix(".")
    if not folded.isascii():
        try:
            folded = folded.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = folded.split(".")
    # Labels past DNS's 63 characters are let through: such a host only names no script.
    if len(folded) > MAX_HOST_LENGTH or not set(folded) <= _HOST_CHARACTERS or not all(labels):
        return None
    return folded.removeprefix("www.") if len(labels) > 2 else folded
