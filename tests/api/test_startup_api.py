"""What a served process does at start-up that an app a test builds does not: it leaves its
start-up heap out of later garbage collections (a full collection walked it all, a pause that
showed as the p99 of update checks under load)."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.logs import reset_logging
from scripthub.entrypoints.settings import load_settings
from tests import services
from tests.api.conftest import TEST_ENVIRONMENT


async def test_only_a_served_app_freezes_its_startup_heap(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_DATABASE_URL": services.copy_sqlite_database(sqlite_template, tmp_path),
        "SCRIPTHUB_MAIL_DISPATCH": "external",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .env file of the checkout
    root_level = logging.getLogger().level
    frozen_before = gc.get_freeze_count()
    try:
        built_by_test = create_app(build_container(load_settings(environment, env_file=None)))
        async with AsyncTestClient(app=built_by_test) as client:
            assert (await client.get("/health/live")).status_code == 200
            frozen_by_test = gc.get_freeze_count()
        served = create_app()  # as `scripthub serve` builds it in each worker
        async with AsyncTestClient(app=served) as client:
            assert (await client.get("/health/live")).status_code == 200
            frozen_when_served = gc.get_freeze_count()
    finally:
        gc.unfreeze()
        reset_logging()
        logging.getLogger().setLevel(root_level)

    assert frozen_by_test == frozen_before
    assert frozen_when_served > frozen_before
