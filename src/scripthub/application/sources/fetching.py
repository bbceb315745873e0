"""Fetching a source's file: a GitHub file from GitHub's raw host, a release asset through
GitHub's API, any other URL as it is."""

from __future__ import annotations

import json
from dataclasses import dataclass

from scripthub.application.ports.source_fetcher import (
    FetchedFile,
    FetchValidators,
    NotModified,
    SourceFetcher,
    SourceUnreachableError,
)
from scripthub.domain.sources import (
    SourceKind,
    SourceLocation,
    raw_file_url,
    release_api_url,
)


@dataclass(frozen=True)
class GitHubEndpoints:
    """Where GitHub is (SCRIPTHUB_GITHUB_URL, SCRIPTHUB_GITHUB_RAW_URL): a fake in tests."""

    api_url: str = "https://api.github.com"
    raw_url: str = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class SourceFiles:
    fetcher: SourceFetcher
    github: GitHubEndpoints

    async def fetch(
        self,
        location: SourceLocation,
        validators: FetchValidators | None = None,
        release_tag: str | None = None,
    ) -> FetchedFile | NotModified:
        """The source's file (SourceUnreachableError when it cannot be had): for a release
        source, the asset of `release_tag`'s release, or of the latest one."""
        if location.kind is SourceKind.GITHUB_FILE:
            return await self.fetcher.fetch(raw_file_url(location, self.github.raw_url), validators)
        if location.kind is SourceKind.URL:
            return await self.fetcher.fetch(location.url, validators)
        asset_url = await self._asset_url(location, release_tag)
        return await self.fetcher.fetch(asset_url, validators)

    async def _asset_url(self, location: SourceLocation, release_tag: str | None) -> str:
        release = await self.fetcher.fetch(
            release_api_url(location, self.github.api_url, release_tag)
        )
        if not isinstance(release, FetchedFile):  # pragma: no cover - no validators sent
            raise SourceUnreachableError("GitHub answered 304 to an unconditional request.")
        try:
            document = json.loads(release.body)
            assets = document["assets"]
            tag = document.get("tag_name")
            for asset in assets:
                if asset["name"] == location.asset:
                    url = asset["browser_download_url"]
                    if isinstance(url, str):
                        return url
        except (ValueError, KeyError, TypeError, RecursionError):
            raise SourceUnreachableError("GitHub's release could not be read.") from None
        msg = f"Release {tag} has no asset named {location.asset}."
        raise SourceUnreachableError(msg)
