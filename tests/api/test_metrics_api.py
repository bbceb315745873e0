"""`/metrics` as Prometheus scrapes it: one count for the whole server, however many workers
answer, under a Content-Type Prometheus accepts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import msgspec
import pytest
from prometheus_client.parser import text_string_to_metric_families

from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings
from tests.api.client import Api, assert_problem, bearer
from tests.api.conftest import TEST_ENVIRONMENT, fresh_databases
from tests.served import serving

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
METRICS_TOKEN = "prometheus-scrapes-with-this-0123"


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


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, 'Bearer realm="scripthub"'),
        (bearer("prometheus-scrapes-with-this-0124"), 'Bearer error="invalid_token"'),
        (bearer("prometheus"), 'Bearer error="invalid_token"'),
        (
            {b"Authorization": f"Bearer {METRICS_TOKEN}é".encode()},
            'Bearer error="invalid_token"',
        ),
        ({"Authorization": f"Basic {METRICS_TOKEN}"}, 'Bearer realm="scripthub"'),
    ],
)
async def test_with_a_metrics_token_metrics_answer_only_its_bearer(
    make_api: Callable[..., Api], headers: dict[str, str] | dict[bytes, bytes], challenge: str
) -> None:
    api = await make_api(SCRIPTHUB_METRICS_TOKEN=METRICS_TOKEN)  # type: ignore[misc]

    refused = await api.client.get("/metrics", headers=headers)
    scrape = await api.client.get("/metrics", headers=bearer(METRICS_TOKEN))

    assert_problem(refused, 401, "invalid_token")
    assert refused.headers["www-authenticate"] == challenge
    assert "scripthub_http_requests_total" not in refused.text
    assert scrape.status_code == 200
    assert "scripthub_http_requests_total" in scrape.text


@pytest.mark.parametrize(
    ("environment", "warned"),
    [
        ({"SCRIPTHUB_ENV": "production"}, True),
        ({"SCRIPTHUB_ENV": "production", "SCRIPTHUB_METRICS_TOKEN": METRICS_TOKEN}, False),
        ({"SCRIPTHUB_ENV": "development"}, False),
    ],
)
def test_production_warns_at_start_up_when_metrics_are_open_to_all(
    environment: dict[str, str], *, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # Production's own refusals (console mail...) are not this test's concern: the settings
    # are made for a test and then said to be production's.
    test_settings = load_settings(
        {**TEST_ENVIRONMENT, **environment, "SCRIPTHUB_ENV": "test"}, env_file=None
    )
    settings = msgspec.structs.replace(test_settings, env=environment["SCRIPTHUB_ENV"])

    with caplog.at_level(logging.WARNING, logger="scripthub"):
        create_app(build_container(settings))

    warnings = [
        r.getMessage() for r in caplog.records if "SCRIPTHUB_METRICS_TOKEN" in r.getMessage()
    ]
    assert len(warnings) == (1 if warned else 0)
