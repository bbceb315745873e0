from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.world import World


@pytest.fixture
def world() -> Iterator[World]:
    built = World()
    yield built
    built.use_cases.adapters.hasher().close()
