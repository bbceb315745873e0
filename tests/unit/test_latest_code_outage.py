"""The latest-code cache's outage line names the store that stopped answering."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from scripthub.application.ports.latest_code import CachedLatestCode, CodeValidators
from scripthub.application.ports.system import RateCharge
from scripthub.domain.errors import ServiceUnavailableError
from scripthub.entrypoints.latest_code_cache import DegradingLatestCodeCache


class FrozenStore:
    async def read(self, name: str, charges: Sequence[RateCharge]) -> CachedLatestCode:
        error = ServiceUnavailableError("cache unavailable", service="redis://cache:6379/0")
        raise error from TimeoutError("no answer in 5 s")

    async def fill(self, name: str, latest: CodeValidators) -> None:
        raise AssertionError("not called")

    async def changed(self, names: object) -> None:
        raise AssertionError("not called")


async def test_an_outage_is_logged_once_naming_the_store(caplog: pytest.LogCaptureFixture) -> None:
    cache = DegradingLatestCodeCache(FrozenStore())  # type: ignore[arg-type]

    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            read = await cache.read("dark-mode", ())

    assert not read.reached
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        (
            "update checks are read from the database, not rate-limited: cache unavailable at "
            "redis://cache:6379/0 (TimeoutError: no answer in 5 s)"
        )
    ]
