"""What the CLI tests share: a working directory of their own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh directory with no SCRIPTHUB_* settings: the embedded default."""
    for name in list(os.environ):
        if name.startswith("SCRIPTHUB_") and not name.startswith("SCRIPTHUB_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCRIPTHUB_BCRYPT_ROUNDS", "4")
    return tmp_path
