"""A script manager's installed copy, updated as Violentmonkey updates it
(violentmonkey/violentmonkey `src/background/utils/update.js` and `storage-fetch.js`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx

from scripthub.domain.version_ordering import compare_violentmonkey

_BLOCK = re.compile(
    r"//\s*==UserScript==([\s\S]*?)//\s*==/UserScript==|/\*\s*==UserStyle==([\s\S]*?)==/UserStyle=="
)
_ENTRY = re.compile(r"^\s*(?://)?\s*@(\S+)\s+(.*?)\s*$", re.MULTILINE)
META_ACCEPT = "text/x-userscript-meta,*/*"


def metadata(code: str) -> dict[str, str]:
    """The first value of each key of the code's block (as Violentmonkey's `parseMeta` keeps
    `name`, `namespace`, `version`, `updateURL` and `downloadURL`)."""
    block = _BLOCK.search(code)
    if block is None:
        return {}
    entries: dict[str, str] = {}
    for key, value in _ENTRY.findall(block[1] or block[2]):
        entries.setdefault(key, value)
    return entries


@dataclass
class ViolentmonkeyCopy:
    """One installed script: its code, and the validators Violentmonkey stored per URL
    (`storage.mod`: the ETag, else Last-Modified)."""

    client: httpx.AsyncClient
    code: str
    mods: dict[str, str] = field(default_factory=dict)
    statuses: list[int] = field(default_factory=list)
    """The final status of each request made, in order."""

    @classmethod
    async def install(cls, client: httpx.AsyncClient, url: str) -> ViolentmonkeyCopy:
        response = await client.get(url, follow_redirects=True)
        response.raise_for_status()
        return cls(client, response.text)

    @property
    def meta(self) -> dict[str, str]:
        return metadata(self.code)

    async def check_update(self) -> bool:
        """`downloadUpdate`: the update URL's block (unless its validator is the one stored),
        and the download URL's code when the version is greater; then the copy is that code.
        False when there is no update or a request fails (the copy stays as it is)."""
        meta = self.meta
        download_url = meta.get("downloadURL")
        update_url = meta.get("updateURL") or download_url
        if update_url is None:
            return False
        data = await self._request_newer(update_url, {"Accept": META_ACCEPT})
        if data is None:
            return False
        version = metadata(data).get("version", "")
        if compare_violentmonkey(meta.get("version", ""), version) >= 0 or download_url is None:
            return False
        code = await self._request_newer(download_url, {})
        if code is None:
            return False
        self.code = code
        return True

    async def _request_newer(self, url: str, headers: dict[str, str]) -> str | None:
        """`requestNewer`: a HEAD first when a validator is stored for the URL, nothing more
        when it is the same; else a GET, whose validator is stored. None for a failed request
        (`request` rejects on an error status)."""
        old = self.mods.get(url)
        for method in ("HEAD", "GET") if old else ("GET",):
            response = await self.client.request(
                method, url, headers={"Cache-Control": "no-cache", **headers}, follow_redirects=True
            )
            self.statuses.append(response.status_code)
            if response.status_code >= 400:
                return None
            mod = response.headers.get("etag") or response.headers.get("last-modified")
            if mod and mod == old:
                return None
            if method == "GET":
                if mod:
                    self.mods[url] = mod
                return response.text
        return None
