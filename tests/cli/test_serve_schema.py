"""`scripthub serve` on PostgreSQL serves only a database whose schema is the code's: it
refuses an un-migrated one (or migrates it with `--migrate`), and /health/ready says when the
database falls behind while it runs."""

from __future__ import annotations

import asyncio
import os
import subprocess
from typing import TYPE_CHECKING

import httpx
import pytest

from scripthub.adapters.schema_revisions import head_revision
from scripthub.adapters.sqlalchemy.migrations import downgrade_database, upgrade_database
from tests.api.conftest import TEST_ENVIRONMENT
from tests.served import SCRIPTHUB, free_port, serving

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.postgres


def serve_until_exit(
    workdir: Path, *options: str, **environment: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [SCRIPTHUB, "serve", "--port", "1", *options],
        cwd=workdir,
        env={**os.environ, **TEST_ENVIRONMENT, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_refuses_an_unmigrated_database_naming_the_command(
    postgres_database: str, tmp_path: Path
) -> None:
    finished = serve_until_exit(tmp_path, SCRIPTHUB_DATABASE_URL=postgres_database)

    assert finished.returncode != 0
    assert "not migrated" in finished.stderr
    assert "`scripthub db upgrade`" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_serve_with_workers_refuses_an_unmigrated_database_before_starting_them(
    postgres_database: str, redis_url: str, tmp_path: Path
) -> None:
    port = str(free_port())
    finished = serve_until_exit(
        tmp_path,
        *("--port", port, "--workers", "2"),
        SCRIPTHUB_DATABASE_URL=postgres_database,
        SCRIPTHUB_REDIS_URL=redis_url,
    )

    assert finished.returncode == 2
    assert finished.stderr.endswith(
        "error: the database is not migrated (no schema yet); this code needs revision "
        f"{head_revision()}: run `scripthub db upgrade` first, or start with "
        "`scripthub serve --migrate`\n"
    )
    assert "Traceback" not in finished.stderr
    assert "Started server process" not in finished.stderr
    assert "ScriptHub" not in finished.stdout  # the banner comes once the check has passed


def test_serve_migrate_migrates_then_readiness_follows_the_schema(
    postgres_database: str, tmp_path: Path
) -> None:
    environment = {**TEST_ENVIRONMENT, "SCRIPTHUB_DATABASE_URL": postgres_database}
    with serving(tmp_path, "--migrate", **environment) as server:
        ready = httpx.get(f"{server.base_url}/health/ready")
        assert (ready.status_code, ready.json()["schema"]) == (200, "ok")

        asyncio.run(downgrade_database(postgres_database, "-1"))
        behind = httpx.get(f"{server.base_url}/health/ready")
        asyncio.run(upgrade_database(postgres_database))
        again = httpx.get(f"{server.base_url}/health/ready")

    assert (behind.status_code, behind.json()["schema"]) == (503, "behind")
    assert (again.status_code, again.json()["schema"]) == (200, "ok")


def test_serve_says_whether_the_database_server_is_down_or_the_database_is_missing(
    postgres_database: str, tmp_path: Path
) -> None:
    missing = postgres_database.rpartition("/")[0] + "/scripthub_no_such_database"
    closed_port = "postgresql+asyncpg://postgres@127.0.0.1:1/scripthub"

    no_database = serve_until_exit(tmp_path, SCRIPTHUB_DATABASE_URL=missing)
    no_server = serve_until_exit(tmp_path, SCRIPTHUB_DATABASE_URL=closed_port)

    assert no_database.returncode == no_server.returncode == 2
    assert 'the database "scripthub_no_such_database" does not exist' in no_database.stderr
    assert "the database server at 127.0.0.1:1 cannot be reached" in no_server.stderr
    assert "Traceback" not in no_database.stderr + no_server.stderr
