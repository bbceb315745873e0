"""docs/API.md's "Environment" table names every SCRIPTHUB_* variable the code reads, and no
other: the settings loader's own list of what it reads, and every name written in the code."""

from __future__ import annotations

import re
from pathlib import Path

from scripthub.entrypoints.settings.spelling import TEST_SUITE_VARIABLES, known_variables

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"SCRIPTHUB_[A-Z0-9_]*[A-Z0-9]")


def _documented() -> set[str]:
    """The names in the first column of the table's rows (a row may name several)."""
    rows = (ROOT / "docs" / "API.md").read_text().splitlines()
    return {
        name
        for row in rows
        if row.startswith("| SCRIPTHUB_")
        for name in NAME.findall(row.split("|")[1])
    }


def _written_in_the_code() -> set[str]:
    """Every whole SCRIPTHUB_* name in the package's source (a read outside the loader, or a
    message naming a variable); prefixes such as `SCRIPTHUB_OAUTH_` are not names."""
    sources = (ROOT / "src" / "scripthub").rglob("*.py")
    return {
        match.group()
        for source in sources
        for match in re.finditer(r"SCRIPTHUB_[A-Z0-9_]+", source.read_text())
        if not match.group().endswith("_")
    }


def test_every_variable_the_loader_reads_is_documented() -> None:
    assert known_variables() - _documented() == set()


def test_every_variable_named_in_the_code_is_documented() -> None:
    named = {name for name in _written_in_the_code() if not name.startswith(TEST_SUITE_VARIABLES)}

    assert named - _documented() == set()


def test_every_documented_variable_is_read() -> None:
    assert _documented() - known_variables() == set()
