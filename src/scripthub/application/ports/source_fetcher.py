"""Fetching a script's source file from a URL a user gave: the only way the server reaches out
to an address chosen by someone else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scripthub.domain.errors import SourceUnreachableError

__all__ = [
    "FetchValidators",
    "FetchedFile",
    "NotModified",
    "SourceFetcher",
    "SourceUnreachableError",
]


@dataclass(frozen=True)
class FetchValidators:
    """What the last fetch of a URL answered with, sent back as `If-None-Match` and
    `If-Modified-Since` so that an unchanged file costs no body."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchedFile:
    """A file fetched whole (at most the fetcher's size limit), with the validators the server
    gave for it."""

    body: bytes
    validators: FetchValidators


@dataclass(frozen=True)
class NotModified:
    """The server answered 304 to the validators sent: the file is as last fetched."""


class SourceFetcher(Protocol):
    async def fetch(
        self, url: str, validators: FetchValidators | None = None
    ) -> FetchedFile | NotModified:
        """GET `url` under the SSRF rules of the contract ("Sources"): https only (http too
        where the fetcher allows it in development), each host resolved once and every address
        public, the connection made to the resolved address, at most 3 redirects each checked
        the same way, at most 2 MiB and 10 s. SourceUnreachableError otherwise."""
