"""A `SourceFetcher` that fetches nothing: the container's placeholder until the SSRF-safe
fetcher is wired in its place (tests override it with a fetcher of loopback URLs)."""

from __future__ import annotations

from scripthub.application.ports.source_fetcher import (
    FetchedFile,
    FetchValidators,
    NotModified,
    SourceUnreachableError,
)


class RefusingSourceFetcher:
    async def fetch(
        self,
        url: str,  # noqa: ARG002
        validators: FetchValidators | None = None,  # noqa: ARG002
    ) -> FetchedFile | NotModified:
        raise SourceUnreachableError("This server does not fetch URLs.")
