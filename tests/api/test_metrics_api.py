"""`/metrics` as Prometheus scrapes it: one count for the whole server, however many workers
answer, under a Content-Type Prometheus accepts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.client import Api
from tests.api.conftest import fresh_databases
from tests.served import serving

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def requests_counted(exposition: str, route: str) -> float:
    """The requests `/metrics` counts for `route`, all methods and statuses together."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "scripthub_http_requests"
        for sample in family.samples
        if sample.name == "scripthub_http_requests_total" and sample.labels["route"] == route
    )


@pytest.mark.postgres
@pytest.mark.redis
def test_two_workers_count_twenty_requests_as_twenty(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with (
        fresh_databases("postgres_redis", request, tmp_path) as environment,
        serving(tmp_path, "--workers", "2", **environment) as server,
    ):
        for _ in range(20):  # a connection each, so that both workers take some
            assert httpx.get(f"{server.base_url}/api/scripts").status_code == 200
        scrapes = [httpx.get(f"{server.base_url}/metrics") for _ in range(10)]

    assert [requests_counted(scrape.text, "/api/scripts") for scrape in scrapes] == [20.0] * 10
    assert {scrape.headers["content-type"] for scrape in scrapes} == {PROMETHEUS_TEXT}


async def test_one_process_counts_its_requests_in_the_prometheus_text_format(api: Api) -> None:
    before = requests_counted((await api.client.get("/metrics")).text, "/health/live")
    for _ in range(3):
        await api.client.get("/health/live")

    scrape = await api.client.get("/metrics")

    assert scrape.headers["content-type"] == PROMETHEUS_TEXT
    assert requests_counted(scrape.text, "/health/live") == before + 3
