"""What each process of `scripthub serve` loads before it serves: the master (whose main module
is `cli`) none of the app, the workers (`http.worker`) nothing only rare requests use. Each
import runs in a fresh interpreter: this one has loaded everything already."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The master parses, checks the database and spawns the workers; the workers load the app.
MASTER_LEAVES_OUT = (
    "alembic",
    "asyncpg",
    "bcrypt",
    "jwt",
    "litestar",
    "prometheus_client",
    "redis",
    "scripthub.entrypoints.http.app",
    "sqlalchemy",
)
# Loaded by the first use of what needs them: migrations (`db`, `--migrate`, the readiness
# probe), a sign-in through a provider (PyJWT, and cryptography's 9 MiB with it, for Google's
# id_tokens), an email address to check, and redis-py by the Redis wiring's adapters (these
# workers run the embedded wiring).
WORKER_LEAVES_OUT = (
    "alembic",
    "cryptography.hazmat",
    "email_validator",
    "httpx",
    "jwt",
    "redis",
)


def loaded_by(statement: str, workdir: Path) -> set[str]:
    """The modules loaded by `statement` in a fresh interpreter, run in `workdir`."""
    listing = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    finished = subprocess.run(  # noqa: S603 - this interpreter, on the statement given
        [sys.executable, "-c", listing],
        cwd=workdir,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    )
    return set(finished.stdout.split())


def test_the_master_of_serve_loads_none_of_the_app(workdir: Path) -> None:
    modules = loaded_by(
        "from scripthub.entrypoints.cli import load_settings, start_up_banner\n"
        "print(start_up_banner(load_settings(), '127.0.0.1', 8000, reload=False))",
        workdir,
    )

    assert "scripthub.entrypoints.cli" in modules
    assert {m.split(".")[0] for m in modules} >= {"uvicorn", "msgspec"}
    assert [m for m in MASTER_LEAVES_OUT if m in modules] == []


@pytest.mark.parametrize("statement", ["", "create_app()"])
def test_a_worker_loads_nothing_that_only_rare_requests_use(workdir: Path, statement: str) -> None:
    modules = loaded_by(
        f"from scripthub.entrypoints.http.worker import create_app\n{statement}", workdir
    )

    assert {"litestar", "sqlalchemy", "scripthub.entrypoints.http.app"} <= modules
    assert [m for m in WORKER_LEAVES_OUT if m in modules] == []


@pytest.mark.postgres
def test_the_masters_schema_check_loads_neither_sqlalchemy_nor_alembic(
    workdir: Path, postgres_database_url: str
) -> None:
    """The check `serve` makes before its workers start, on a database at the code's head:
    the driver reads its revision."""
    modules = loaded_by(
        "from scripthub.entrypoints.database_commands import refusal_to_use\n"
        f"assert refusal_to_use({postgres_database_url!r}) is None",
        workdir,
    )

    assert "asyncpg" in modules
    assert [m for m in ("alembic", "sqlalchemy") if m in modules] == []


def test_the_embedded_check_at_the_codes_revision_loads_neither(workdir: Path) -> None:
    """The embedded database migrates itself when it is behind; at the code's head, the check
    reads its revision with sqlite3 (the first start migrates it, Alembic and all)."""
    serve_check = (
        "from scripthub.entrypoints.database_commands import refusal_to_serve\n"
        "from scripthub.entrypoints.settings import load_settings\n"
        "assert refusal_to_serve(load_settings(), migrate=False) is None"
    )
    first = loaded_by(serve_check, workdir)
    again = loaded_by(serve_check, workdir)

    assert "alembic" in first
    assert [m for m in ("alembic", "asyncpg", "sqlalchemy") if m in again] == []
