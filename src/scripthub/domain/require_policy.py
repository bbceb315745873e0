"""Which `@require` and `@resource` URLs a published version may name.

A URL is admitted when it is on the moderators' allow-list, when it is pinned by a
subresource-integrity fragment, or when it is a `data:` URL (its content is in the code
itself). The rules, as API.md states them:

- Patterns are a host (`cdn.jsdelivr.net`; `*.example.com` for every host strictly below
  `example.com`, never `example.com` itself) or an https URL prefix ending in `/`
  (`https://cdn.jsdelivr.net/npm/jquery@3.7.1/`). Hosts are DNS names of two labels or more,
  in ASCII (an internationalized host is written in its `xn--` form), lower-cased when
  stored; a prefix has no user, port, query, fragment, percent-encoding nor `.`/`..`
  segment.
- A URL matches only as a browser would fetch it, and only when every reader of it agrees
  where it points: `https` (any case of the scheme), no user or password (`@` before the
  host), no backslash, no percent-encoding in the host, no character outside printable
  ASCII anywhere (spaces, controls, non-ASCII letters and dots a browser would fold), a host
  compared without case and with no trailing dot, and no port but 443. A prefix pattern
  matches a URL whose path starts with the pattern's, byte for byte, and has no `.` or `..`
  segment and no encoded `.`, `/` or `\\` (`%2e`, `%2f`, `%5c`), which browsers or CDNs
  would resolve to another path. What is not read so is not on the list.
- An integrity fragment is one or more comma-separated `sha256`, `sha384` or `sha512`
  digests, each written `algorithm=digest` or `algorithm-digest` (Tampermonkey reads both),
  the digest in hex or padded base64 of the algorithm's exact length. It pins https URLs
  only: Violentmonkey does not check the hashes, so the transport must still be trusted.

Everything here reads its input left to right with string methods, in time linear in its
length.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scripthub.domain.errors import FieldProblem, ValidationError
from scripthub.domain.userscript_metadata import Metadata

SEEDED_PATTERNS = (
    "cdn.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "code.jquery.com",
    "ajax.googleapis.com",
)
"""What the list holds before a moderator changes it (migration 0022 writes these)."""
MAX_PATTERNS = 200
MAX_PATTERN_LENGTH = 300
MAX_URL_LENGTH = 8192
"""A longer URL is never on the list (it may still be pinned or refused)."""
MAX_REPORTED = 20
"""Refused URLs named in one refusal; past it, how many more there were."""

_HTTPS = "https://"
_MAX_HOST_LENGTH = 253
_MAX_LABEL_LENGTH = 63
_LABEL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_PATH_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/"
)
_DIGEST_BYTES = {"sha256": 32, "sha384": 48, "sha512": 64}
_HEX = frozenset("0123456789abcdefABCDEF")
_TRAVERSALS = ("%2e", "%2f", "%5c")
PATTERN_RULE = (
    "must be a host (cdn.example.com, *.example.com) or an https URL prefix ending in '/'"
)


def _is_dns_name(host: str) -> bool:
    """A lower-case ASCII DNS name of two labels or more whose last label is not a number
    (so never an IPv4 address, which a browser would also read from `0x7f.1`)."""
    if not 0 < len(host) <= _MAX_HOST_LENGTH or not set(host) <= _LABEL_CHARACTERS | {"."}:
        return False
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit() or labels[-1][:1].isdigit():
        return False
    return all(
        0 < len(label) <= _MAX_LABEL_LENGTH and label[0] != "-" and label[-1] != "-"
        for label in labels
    )


def _is_plain_path(path: str) -> bool:
    """No `.` or `..` segment, and no encoded `.`, `/` or `\\` that would make one."""
    folded = path.lower()
    if any(escape in folded for escape in _TRAVERSALS):
        return False
    return not any(segment in {".", ".."} for segment in path.split("/"))


@dataclass(frozen=True, slots=True)
class _Target:
    """Where an https URL points, read as every reader of it agrees."""

    host: str
    path: str


def _target(url: str) -> _Target | None:
    """The host and path of `url`, or None when it is not an https URL read the same way by
    every reader (see the module's rules)."""
    if len(url) > MAX_URL_LENGTH or url[: len(_HTTPS)].lower() != _HTTPS:
        return None
    if not url.isascii() or not url.isprintable() or " " in url or "\\" in url:
        return None
    rest = url[len(_HTTPS) :].partition("#")[0]
    end = len(rest)
    for stop in "/?":
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    authority, remainder = rest[:end], rest[end:]
    if "@" in authority or "%" in authority:
        return None
    host, _, port = authority.partition(":")
    host = host.lower()
    if port not in {"", "443"} or not _is_dns_name(host):
        return None
    path = remainder.partition("?")[0] or "/"
    return _Target(host, path)


def is_data_url(url: str) -> bool:
    return url[:5].lower() == "data:"


def is_pinned(url: str) -> bool:
    """Whether `url` is an https URL with a subresource-integrity fragment (see the module's
    rules for its form)."""
    if url[: len(_HTTPS)].lower() != _HTTPS or "#" not in url:
        return False
    if not url.isascii() or not url.isprintable() or " " in url:
        return False
    fragment = url.partition("#")[2]
    return all(_is_digest(item) for item in fragment.split(","))


def _is_digest(item: str) -> bool:
    """`sha256=<hex or base64>` or `sha256-<...>` (likewise sha384 and sha512)."""
    algorithm, digest = item[:6], item[7:]
    size = _DIGEST_BYTES.get(algorithm)
    if size is None or item[6:7] not in {"=", "-"}:
        return False
    if len(digest) == 2 * size and set(digest) <= _HEX:
        return True
    if len(digest) != 4 * ((size + 2) // 3):
        return False
    try:
        return len(base64.b64decode(digest, validate=True)) == size
    except (binascii.Error, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class _Prefix:
    host: str
    path: str


def _parse_pattern(raw: str) -> str | _Prefix | None:
    """A host pattern (`*.` kept in front), a URL prefix, or None when `raw` is neither."""
    if len(raw) > MAX_PATTERN_LENGTH or not raw.isascii() or not raw.isprintable():
        return None
    if raw[: len(_HTTPS)].lower() != _HTTPS:
        host = raw.lower()
        return host if _is_dns_name(host.removeprefix("*.")) else None
    rest = raw[len(_HTTPS) :]
    host, slash, path = rest.partition("/")
    host = host.lower()
    path = slash + path
    if not _is_dns_name(host) or not path.endswith("/") or "//" in path:
        return None
    if not set(path) <= _PATH_CHARACTERS or not _is_plain_path(path):
        return None
    return _Prefix(host, path)


def normalize_pattern(raw: str) -> str | None:
    """The stored form of a pattern (hosts and schemes lower-cased), or None when `raw` is
    not one."""
    parsed = _parse_pattern(raw.strip())
    if parsed is None:
        return None
    return parsed if isinstance(parsed, str) else f"{_HTTPS}{parsed.host}{parsed.path}"


def check_patterns(raws: Sequence[str], field: str = "patterns") -> tuple[str, ...]:
    """The patterns in their stored form, in the order given; a ValidationError naming
    every one that is not a pattern or repeats an earlier one (`patterns[3]`), or a list of
    more than `MAX_PATTERNS`."""
    if len(raws) > MAX_PATTERNS:
        raise ValidationError.single(field, f"must hold at most {MAX_PATTERNS} patterns")
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        named = f"{field}[{index}]"
        if len(raw) > MAX_PATTERN_LENGTH:
            problems.append(FieldProblem(named, f"must be at most {MAX_PATTERN_LENGTH} characters"))
        elif (pattern := normalize_pattern(raw)) is None:
            problems.append(FieldProblem(named, PATTERN_RULE))
        elif pattern in seen:
            problems.append(FieldProblem(named, f"repeats {pattern!r}"))
        else:
            seen.add(pattern)
    if problems:
        raise ValidationError(problems)
    return tuple(p for raw in raws if (p := normalize_pattern(raw)) is not None)


class RequireAllowlist:
    """The allow-list, indexed for matching: `allows(url)` says whether a URL is on it,
    `admits(url)` whether a version may name it (on it, pinned, or a `data:` URL)."""

    __slots__ = ("_hosts", "_prefixes", "_subdomains_of", "patterns")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._hosts: set[str] = set()
        self._subdomains_of: set[str] = set()
        self._prefixes: dict[str, list[str]] = {}
        for raw in self.patterns:
            parsed = _parse_pattern(raw)  # stored patterns were checked; others never match
            if isinstance(parsed, _Prefix):
                self._prefixes.setdefault(parsed.host, []).append(parsed.path)
            elif parsed is not None and parsed.startswith("*."):
                self._subdomains_of.add(parsed[2:])
            elif parsed is not None:
                self._hosts.add(parsed)

    def allows(self, url: str) -> bool:
        """Whether `url` is on the list: an https URL of a listed host, of a host below a
        listed `*.` one, or under a listed prefix."""
        target = _target(url)
        if target is None:
            return False
        if target.host in self._hosts or self._below_listed_domain(target.host):
            return True
        prefixes = self._prefixes.get(target.host, ())
        return any(target.path.startswith(p) for p in prefixes) and _is_plain_path(target.path)

    def admits(self, url: str) -> bool:
        """Whether a published version may name `url`: on the list, pinned by an integrity
        fragment, or a `data:` URL."""
        return is_data_url(url) or is_pinned(url) or self.allows(url)

    def _below_listed_domain(self, host: str) -> bool:
        dot = host.find(".")
        while dot != -1:
            if host[dot + 1 :] in self._subdomains_of:
                return True
            dot = host.find(".", dot + 1)
        return False


def required_urls(metadata: Metadata | None) -> list[tuple[str, str]]:
    """Each `@require` and `@resource` of the block as (key, URL), in order; a `@resource`
    value is `name URL` (a value without a URL gives an empty URL)."""
    if metadata is None:
        return []
    found: list[tuple[str, str]] = []
    for key, value in metadata.entries:
        folded = key.lower()
        if folded == "require":
            found.append(("require", value.strip()))
        elif folded == "resource":
            parts = value.split(maxsplit=1)
            found.append(("resource", parts[1].strip() if len(parts) == 2 else ""))
    return found


def check_required_urls(metadata: Metadata | None, allowlist: RequireAllowlist) -> None:
    """A ValidationError on `code` naming each `@require` and `@resource` URL the list does
    not admit (the first `MAX_REPORTED`, then how many more)."""
    refused: list[str] = []
    seen: set[tuple[str, str]] = set()
    for key, url in required_urls(metadata):
        if (key, url) in seen or (url and allowlist.admits(url)):
            continue
        seen.add((key, url))
        if not url:
            refused.append(f"@{key} names no URL")
        else:
            refused.append(
                f"@{key} {url} is neither on the allow-list of hosts nor pinned with an "
                "integrity hash (#sha256=, #sha384= or #sha512=)"
            )
    if not refused:
        return
    problems = [FieldProblem("code", message) for message in refused[:MAX_REPORTED]]
    if len(refused) > MAX_REPORTED:
        problems.append(FieldProblem("code", f"and {len(refused) - MAX_REPORTED} more URLs"))
    raise ValidationError(problems)
