"""`PlainFetcher`, a test double of `SourceFetcher`: httpx with the size, time and redirect
limits of the contract but none of its address checks, for loopback URLs of the fake GitHub.
Tests use it until the SSRF-safe fetcher replaces it (with SCRIPTHUB_FETCH_ALLOW_LOOPBACK)."""

from __future__ import annotations

import httpx

from scripthub.application.ports.source_fetcher import (
    FetchedFile,
    FetchValidators,
    NotModified,
    SourceUnreachableError,
)

MAX_BYTES = 2 * 1024 * 1024


class PlainFetcher:
    async def fetch(
        self, url: str, validators: FetchValidators | None = None
    ) -> FetchedFile | NotModified:
        headers = {}
        if validators is not None and validators.etag is not None:
            headers["If-None-Match"] = validators.etag
        if validators is not None and validators.last_modified is not None:
            headers["If-Modified-Since"] = validators.last_modified
        try:
            async with (
                httpx.AsyncClient(follow_redirects=True, max_redirects=3, timeout=10) as client,
                client.stream("GET", url, headers=headers) as response,
            ):
                if response.status_code == 304:
                    return NotModified()
                if response.status_code >= 400:
                    msg = f"{url} answered HTTP {response.status_code}."
                    raise SourceUnreachableError(msg)
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise SourceUnreachableError("The file is larger than 2 MiB.")
                return FetchedFile(
                    body,
                    FetchValidators(
                        response.headers.get("etag"), response.headers.get("last-modified")
                    ),
                )
        except httpx.HTTPError as error:
            raise SourceUnreachableError(f"{url} could not be fetched ({error}).") from None
