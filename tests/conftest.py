from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import services


@pytest.fixture(scope="session")
def redis_url() -> str:
    return services.check_redis()


@pytest.fixture
def redis_prefix() -> str:
    return services.unique_redis_prefix()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    url = services.create_postgres_database()
    yield url
    services.drop_postgres_database(url)
