"""The latest-code cache as the use cases hold it: a store that cannot be reached costs
database reads and rate counting (counted in /metrics, logged once per outage), never a
request, and never a change that already committed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prometheus_client import Counter

from scripthub.application.ports.latest_code import CachedLatestCode
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.entrypoints.outages import OutageLog, described

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from scripthub.application.ports.latest_code import CodeValidators, LatestCodeStore
    from scripthub.application.ports.system import RateCharge

logger = logging.getLogger("scripthub.cache")

LATEST_CODE_CACHE_ERRORS = Counter(
    "scripthub_latest_code_cache_errors_total",
    "Update checks read from the database (and not rate-counted) because the cache could not "
    "be reached (operation=read), and cache writes lost (fill, changed)",
    ["operation"],
)
for _operation in ("read", "fill", "changed"):
    LATEST_CODE_CACHE_ERRORS.labels(_operation)  # shown as 0 before the first failure


class DegradingLatestCodeCache:
    """`LatestCodeCache` over a `LatestCodeStore`."""

    def __init__(self, store: LatestCodeStore) -> None:
        self._store = store
        self._outage = OutageLog(
            logger,
            "update checks are read from the database, not rate-limited",
            "update checks are cached again",
        )

    async def read(self, name: str, charges: Sequence[RateCharge]) -> CachedLatestCode:
        try:
            cached = await self._store.read(name, charges)
        except ServiceUnavailableError as error:
            self._failed("read", error)
            return CachedLatestCode(None, reached=False)
        self._outage.worked()
        return cached

    async def fill(self, name: str, latest: CodeValidators) -> bool:
        try:
            await self._store.fill(name, latest)
        except ServiceUnavailableError as error:
            self._failed("fill", error)
            return False
        return True

    async def changed(self, names: Collection[str]) -> None:
        try:
            await self._store.changed(names)
        except ServiceUnavailableError as error:
            self._failed("changed", error)

    def _failed(self, operation: str, error: ServiceUnavailableError) -> None:
        LATEST_CODE_CACHE_ERRORS.labels(operation).inc()
        self._outage.failed(described(error))
