"""Script sources: where a script's code lives outside ScriptHub (a file on GitHub, a
repository's release asset, any https URL), and how its versions follow it."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

from scripthub.domain.errors import ValidationError

MAX_URL_LENGTH = 2048
MAX_ERROR_LENGTH = 500
SCHEDULE_EVERY = timedelta(hours=12)
"""A `schedule` source is fetched at most this often."""
GITHUB_HOST = "github.com"
GITHUB_RAW_HOST = "raw.githubusercontent.com"
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_ASSET = re.compile(r"[^/\x00-\x1f\x7f]{1,255}")


class SyncMode(enum.StrEnum):
    WEBHOOK = "webhook"
    SCHEDULE = "schedule"
    MANUAL = "manual"


class SourceKind(enum.StrEnum):
    GITHUB_FILE = "github_file"
    GITHUB_RELEASE = "github_release"
    URL = "url"


class SyncStatus(enum.StrEnum):
    PUBLISHED = "published"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    HELD_FOR_REVIEW = "held_for_review"


@dataclass(frozen=True)
class SourceLocation:
    """A source URL, read: `repository` ("owner/repo") for GitHub's kinds, `ref` (a branch
    or tag) and `path` for a GitHub file, `asset` for a release."""

    url: str
    kind: SourceKind
    repository: str | None = None
    ref: str | None = None
    path: str | None = None
    asset: str | None = None

    @property
    def repository_key(self) -> str | None:
        """What webhooks match on: GitHub names are case-insensitive."""
        return None if self.repository is None else self.repository.lower()


@dataclass(frozen=True)
class LastSync:
    at: datetime
    status: SyncStatus
    version: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Source:
    script_id: uuid.UUID
    location: SourceLocation
    sync: SyncMode
    created_at: datetime
    last_sync: LastSync | None = None
    etag: str | None = None
    last_modified: str | None = None
    failing_since: datetime | None = None
    """When the current failing streak began (None: the last sync did not fail)."""


def _bad(message: str) -> ValidationError:
    return ValidationError.single("url", message)


def parse_source_url(url: str, sync: SyncMode, *, allow_http: bool = False) -> SourceLocation:
    """Read a source URL (see API.md, "Sources"); ValidationError on field `url` for one
    that is not an https URL of a file (http too with `allow_http`, outside production), or
    `webhook` for a URL that is not GitHub's."""
    if len(url) > MAX_URL_LENGTH:
        raise _bad(f"must be at most {MAX_URL_LENGTH} characters")
    if any(character <= " " or character == "\x7f" for character in url):
        raise _bad("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _bad("is not a URL") from None
    schemes = {"https", "http"} if allow_http else {"https"}
    if parts.scheme not in schemes or not parts.hostname:
        raise _bad("must be an https:// URL")
    if parts.username is not None or parts.password is not None:
        raise _bad("must not carry credentials")
    host = parts.hostname.lower()
    github = (
        parts.scheme == "https"
        and port is None
        and host in {GITHUB_HOST, f"www.{GITHUB_HOST}", GITHUB_RAW_HOST}
    )
    if github:
        location = _github_location(url, host, parts.path, parts.query)
        if location is not None:
            return location
    if sync is SyncMode.WEBHOOK:
        raise _bad(
            "webhook sync needs a GitHub file (blob or raw URL) or releases URL; "
            "use schedule or manual for another URL"
        )
    if parts.fragment:
        raise _bad("must not have a #fragment")
    return SourceLocation(url, SourceKind.URL)


def _github_location(url: str, host: str, path: str, query: str) -> SourceLocation | None:
    segments = [unquote(segment) for segment in path.split("/")[1:]]
    if any("/" in segment or "\\" in segment for segment in segments):
        # An encoded slash would take the path out of the repository once fetched.
        raise _bad("must not have encoded slashes")
    if host == GITHUB_RAW_HOST:
        # /{owner}/{repo}/{ref}/{path...}, or GitHub's Raw button's
        # /{owner}/{repo}/refs/heads/{branch}/{path...} (and refs/tags/); a ref with a slash
        # is not told apart from the path.
        if segments[2:4] in (["refs", "heads"], ["refs", "tags"]):
            segments = segments[:2] + segments[4:]
        if len(segments) < 4 or not all(segments):
            raise _bad("a raw.githubusercontent.com URL is /{owner}/{repo}/{ref}/{path}")
        owner, repo, ref, *file = segments
        return _github_file(url, owner, repo, ref, file)
    if len(segments) >= 5 and segments[2] == "blob":
        owner, repo, _, ref, *file = segments
        if not all(file) or not ref:
            raise _bad("a GitHub blob URL is /{owner}/{repo}/blob/{ref}/{path}")
        return _github_file(url, owner, repo, ref, file)
    if len(segments) in {3, 4} and segments[2] == "releases" and segments[3:] in ([], [""]):
        owner, repo = segments[0], segments[1]
        assets = parse_qs(query, keep_blank_values=True).get("asset", [])
        if len(assets) != 1 or not _ASSET.fullmatch(assets[0]):
            raise _bad("a GitHub releases URL names its asset: ?asset=name.user.js")
        _check_repository(owner, repo)
        return SourceLocation(
            url, SourceKind.GITHUB_RELEASE, repository=f"{owner}/{repo}", asset=assets[0]
        )
    return None


def _github_file(url: str, owner: str, repo: str, ref: str, file: list[str]) -> SourceLocation:
    _check_repository(owner, repo)
    if any(segment in {".", ".."} for segment in [ref, *file]):
        raise _bad("must not have . or .. segments")
    return SourceLocation(
        url, SourceKind.GITHUB_FILE, repository=f"{owner}/{repo}", ref=ref, path="/".join(file)
    )


def _check_repository(owner: str, repo: str) -> None:
    if not all(_NAME.fullmatch(name) and name.strip(".") for name in (owner, repo)):
        raise _bad("names no GitHub repository")


def raw_file_url(location: SourceLocation, raw_base: str) -> str:
    """Where a GitHub file's bytes are fetched from (`raw_base`: SCRIPTHUB_GITHUB_RAW_URL)."""
    if location.repository is None or location.ref is None or location.path is None:
        raise ValueError("not a GitHub file")
    return "/".join(
        [raw_base.rstrip("/"), location.repository, quote(location.ref), quote(location.path)]
    )


def release_api_url(location: SourceLocation, api_base: str, tag: str | None) -> str:
    """The GitHub API's release (`tag`'s, or the latest) of a release source's repository."""
    if location.repository is None:
        raise ValueError("not a GitHub repository's")
    which = "latest" if tag is None else f"tags/{quote(tag, safe='')}"
    return f"{api_base.rstrip('/')}/repos/{location.repository}/releases/{which}"


def sync_error(reason: str) -> str:
    """What `last_sync.error` keeps of a failure: one line, bounded."""
    line = " ".join(reason.split())
    return line if len(line) <= MAX_ERROR_LENGTH else line[: MAX_ERROR_LENGTH - 1] + "…"
