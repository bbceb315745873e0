"""Where the migrations live: `alembic/` in the repository, `scripthub/migrations/` in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from scripthub.adapters.schema_revisions import head_revision
from scripthub.adapters.sqlalchemy.migrations import migration_history

ROOT = Path(__file__).resolve().parents[2]
IN_WHEEL = "scripthub/migrations/"


def repository_migrations() -> set[str]:
    """Every file of `alembic/`, relative to it (bytecode aside)."""
    folder = ROOT / "alembic"
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built by its PEP 517 backend as pip would build it."""
    out = tmp_path_factory.mktemp("wheel")
    build = "import sys, hatchling.build as b; print(b.build_wheel(sys.argv[1]))"
    name = subprocess.run(  # noqa: S603 - this interpreter, building this project
        [sys.executable, "-c", build, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    return out / name


def test_alembic_ini_and_the_application_read_the_same_migrations() -> None:
    scripts = ScriptDirectory.from_config(Config(ROOT / "alembic.ini"))

    assert Path(scripts.dir) == ROOT / "alembic"
    assert scripts.get_current_head() == head_revision()


def test_the_wheel_ships_every_migration_inside_the_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name.removeprefix(IN_WHEEL) for name in archive.namelist() if name.startswith(IN_WHEEL)
        }

    assert {"env.py", "script.py.mako"} <= shipped
    assert {name for name in shipped if name.startswith("versions/")} == {
        f"versions/{path.name}" for path in (ROOT / "alembic" / "versions").glob("*.py")
    }
    assert shipped == repository_migrations()


def test_the_unpacked_wheel_migrates_without_the_repository(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    workdir = tmp_path / "empty"
    workdir.mkdir()
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCRIPTHUB_")}
    env |= {
        "PYTHONPATH": str(site),  # ahead of the editable install's `src/`
        "SCRIPTHUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'scripthub.db'}",
    }

    def python(*argv: str) -> str:
        return subprocess.run(  # noqa: S603 - this interpreter, our own modules
            [sys.executable, *argv],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()

    location = python(
        "-c",
        "from scripthub.adapters.schema_revisions import SCRIPT_LOCATION as s; print(s)",
    )
    upgraded = python("-m", "scripthub.entrypoints.cli", "db", "upgrade")
    current = python("-m", "scripthub.entrypoints.cli", "db", "current")

    assert Path(location) == (site / "scripthub" / "migrations").resolve()
    *applied, final = upgraded.splitlines()
    assert len(applied) == len(migration_history())  # one progress line per migration
    assert final == current == f"{head_revision()} (head)"
