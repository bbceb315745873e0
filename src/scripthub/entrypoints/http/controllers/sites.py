"""/api/sites: the hosts with the most scripts, where browsing by site starts."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from scripthub.application.scripts.list_sites import ListTopSites, ListTopSitesQuery
from scripthub.entrypoints.http.paths import PageSize
from scripthub.entrypoints.http.schemas.sites import SitesOut, sites_out


class SitesController(Controller):
    path = "/api/sites"
    tags = ("scripts",)

    @get("/", summary="The hosts with the most public scripts")
    async def list_top_sites(
        self, list_top_sites: NamedDependency[ListTopSites], limit: PageSize = 100
    ) -> SitesOut:
        return sites_out(await list_top_sites.execute(ListTopSitesQuery(limit)))
