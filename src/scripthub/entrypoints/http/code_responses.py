"""HTTP for served code: conditional request headers in, validators and cache rules out.

Script managers revalidate with `If-None-Match` (Violentmonkey, Tampermonkey) or
`If-Modified-Since`, and send `Accept: text/x-userscript-meta, */*` when checking for an
update on the code's own URL (Violentmonkey's `src/background/utils/update.js`).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request, Response
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from litestar.types import Scope

from scripthub.application.scripts.diff_versions import VersionDiff
from scripthub.application.scripts.served_code import Held, ServedCode
from scripthub.entrypoints.http.schemas.diffs import version_diff_out

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

USERSCRIPT_META = "text/x-userscript-meta"


@dataclass(frozen=True)
class CacheRule:
    """`Cache-Control` for a public (or unlisted) script's code, and for a private one's,
    which no shared cache may keep."""

    shared: str
    private: str


REVALIDATE = CacheRule("no-cache", "private, no-cache")
"""The latest code changes with each version: caches keep it but ask us every time."""
PINNED = CacheRule("public, max-age=600", "private, max-age=600")
"""A version's own code never changes, but its script can be deleted or hidden: shared caches
stop serving it within 10 minutes of that (no purge reaches them)."""
TEXT = "text/plain; charset=utf-8"

AnyRequest = Request[Any, Any, Any]


def _tags(header: str) -> tuple[frozenset[str], bool]:
    """The opaque tags of an `If-None-Match` list, and whether it is `*`. Weak and strong
    tags compare alike (RFC 9110's weak comparison, the one `If-None-Match` uses)."""
    tags = set()
    for raw in header.split(","):
        tag = raw.strip()
        if tag == "*":
            return frozenset(), True
        tag = tag.removeprefix("W/").removeprefix("w/")
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tags.add(tag[1:-1])
    return frozenset(tags), False


def _parsed_date(raw: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def held_copy(headers: Mapping[str, str]) -> Held:
    """What the client holds, from its conditional `headers` (lower-case names; unparsable
    values are ignored)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags, any_tag = _tags(if_none_match)
        return Held(tags=tags, any_tag=any_tag)
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is not None:
        return Held(modified_since=_parsed_date(if_modified_since))
    return Held()


def wants_meta(headers: Mapping[str, str]) -> bool:
    """Whether `Accept` names the userscript meta type (with a nonzero quality)."""
    return _accepts(headers, USERSCRIPT_META)


def _accepts(headers: Mapping[str, str], wanted: str) -> bool:
    for part in headers.get("accept", "").split(","):
        media_type, *params = (piece.strip().lower() for piece in part.split(";"))
        if media_type == wanted:
            return not any(param.replace(" ", "") in {"q=0", "q=0.0", "q=0.00"} for param in params)
    return False


def wants_json(headers: Mapping[str, str]) -> bool:
    """Whether `Accept` names JSON (with a nonzero quality): a diff's detailed form."""
    return _accepts(headers, "application/json")


@functools.lru_cache(maxsize=4096)  # a few dates of latest versions answer most requests
def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


@dataclass(frozen=True)
class CodeAnswer:
    """What a code route sends: through Litestar (`code_response`) or straight from ASGI
    (`controllers.script_code.CodeLane`), the same answer."""

    status: int
    headers: dict[str, str]
    body: bytes


def code_answer(
    method: str, answer: ServedCode, cache: CacheRule, *, vary_accept: bool = False
) -> CodeAnswer:
    """The answer as `text/plain` (304 when the client's copy is current), its validators and
    cache rules; HEAD gets the headers a GET would, without the body."""
    headers = {
        "etag": f'"{answer.tag}"',
        "last-modified": _http_date(answer.last_modified),
        "cache-control": cache.shared if answer.shared else cache.private,
    }
    # Always `Origin`, even to a request without one: a shared cache must not hand a page
    # (CORS) an answer stored for a script manager, which lacks `Access-Control-Allow-Origin`.
    headers["vary"] = "Accept, Origin" if vary_accept else "Origin"
    if answer.body is None:
        return CodeAnswer(HTTP_304_NOT_MODIFIED, headers, b"")
    body = answer.body
    headers |= {"content-type": TEXT, "content-length": str(len(body))}
    return CodeAnswer(HTTP_200_OK, headers, b"" if method == "HEAD" else body)


def code_response(
    request: AnyRequest, answer: ServedCode, cache: CacheRule, *, vary_accept: bool = False
) -> Response[bytes]:
    """`code_answer` as Litestar's response."""
    coded = code_answer(request.method, answer, cache, vary_accept=vary_accept)
    request.scope["state"][_VARY_STATE] = coded.headers["vary"]
    return Response(coded.body, status_code=coded.status, headers=coded.headers)


_VARY_STATE = "scripthub.vary"


def with_route_vary(
    scope: Scope, headers: Iterable[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]] | None:
    """The answer's start `headers` with the `Vary` its route gave joined to the one they
    have (None if the route gave none): Litestar's CORS layer sets `Vary: Origin` in place of
    the route's own (the code URL's `Accept`), and a cache must know both."""
    route_vary = scope["state"].get(_VARY_STATE)
    if route_vary is None:
        return None
    headers = list(headers)
    others = [(name, value) for name, value in headers if name != b"vary"]
    lines = [route_vary, *(value.decode("latin-1") for name, value in headers if name == b"vary")]
    tokens = (token.strip() for line in lines for token in line.split(","))
    return [*others, (b"vary", ", ".join(dict.fromkeys(tokens)).encode("latin-1"))]


DIFF = "text/x-diff; charset=utf-8"
JSON_TAG_SUFFIX = "-json"
"""The entity tag of a diff's JSON form is the text's with this suffix."""


def held_diff(headers: Mapping[str, str], *, as_json: bool) -> Held:
    """What the client holds of a diff in the form it asks for (`held_copy`), with the tags
    of that form read as the diff's own."""
    held = held_copy(headers)
    if not as_json or held.tags is None:
        return held
    tags = frozenset(t[: -len(JSON_TAG_SUFFIX)] for t in held.tags if t.endswith(JSON_TAG_SUFFIX))
    return dataclasses.replace(held, tags=tags)


def diff_response(request: AnyRequest, diff: VersionDiff, *, as_json: bool) -> Response[bytes]:
    """A diff as `text/x-diff` or JSON (`Vary: Accept`), cacheable as a version's code is
    (`PINNED`: it never changes, but its script may be deleted); 304 when the client holds it."""
    tag = diff.tag + (JSON_TAG_SUFFIX if as_json else "")
    headers = {
        "etag": f'"{tag}"',
        "cache-control": PINNED.shared if diff.shared else PINNED.private,
        "vary": "Accept, Origin",
    }
    if diff.diff is None:
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    if as_json:
        body, media_type = msgspec.json.encode(version_diff_out(diff)), "application/json"
    else:
        body, media_type = diff.diff.encode(), DIFF
    headers["content-type"] = media_type
    return Response(b"" if request.method == "HEAD" else body, headers=headers)
