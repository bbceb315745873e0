"""The schema revisions the code knows, and where a database's revision stands against them.

Read from the migration files' names, without Alembic or SQLAlchemy: the master of
`scripthub serve` compares them with the database's before any worker starts, and every
readiness probe does too (bench/README.md, start-up)."""

from __future__ import annotations

import enum
import functools
import re
from pathlib import Path


def _script_location() -> Path:
    """The Alembic script directory: inside the installed package, else the repository's.

    A wheel carries `alembic/` as `scripthub/migrations/` (pyproject's hatch `force-include`);
    an editable install or a checkout runs `src/scripthub` itself, with `alembic/` at the root.
    """
    package = Path(__file__).resolve().parents[1]
    installed = package / "migrations"
    if (installed / "env.py").is_file():
        return installed
    return package.parents[1] / "alembic"


SCRIPT_LOCATION = _script_location()

_MIGRATION_FILE = re.compile(r"(\d{4})_\w+\.py")
"""A migration's file: its revision, then its name (`0014_search_tiers.py` is revision 0014)."""


@functools.cache
def code_revisions() -> tuple[str, ...]:
    """Every revision the code knows, oldest first, from the migration files' names.

    Alembic's script directory answers by importing Alembic and executing every migration
    file, about 0.2 s of CPU in the master of `scripthub serve` before any worker starts, and
    14 ms on every readiness probe (bench/README.md, start-up). The files are numbered without
    gaps, each by its revision (`test_migrations` holds both against Alembic's own walk)."""
    names = (path.name for path in (SCRIPT_LOCATION / "versions").iterdir())
    return tuple(sorted(match[1] for name in names if (match := _MIGRATION_FILE.fullmatch(name))))


def head_revision() -> str:
    """The newest revision the code knows."""
    revisions = code_revisions()
    if not revisions:
        msg = f"no migrations found in {SCRIPT_LOCATION}"
        raise RuntimeError(msg)
    return revisions[-1]


class SchemaState(enum.StrEnum):
    OK = "ok"
    BEHIND = "behind"
    """At an older revision, or never migrated: `scripthub db upgrade` brings it to the code's."""
    AHEAD = "ahead"
    """At a revision this code does not know: newer code migrated it."""


def schema_state(revision: str | None) -> SchemaState:
    """Where a database at `revision` stands against the code's head."""
    if revision == head_revision():
        return SchemaState.OK
    if revision is None:
        return SchemaState.BEHIND
    return SchemaState.BEHIND if revision in code_revisions() else SchemaState.AHEAD
