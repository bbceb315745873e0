"""The hosts browsing by site starts from."""

from __future__ import annotations

import msgspec

from scripthub.application.ports.scripts import SiteCount


class SiteOut(msgspec.Struct):
    host: str
    script_count: int


class SitesOut(msgspec.Struct):
    items: list[SiteOut]


def sites_out(sites: list[SiteCount]) -> SitesOut:
    return SitesOut([SiteOut(site.host, site.scripts) for site in sites])
