"""Container wiring is not type-checked: resolve every provider once (STYLE.md pitfall 4)."""

from __future__ import annotations

import pytest
from dependency_injector import providers
from sqlalchemy.pool import QueuePool

from scripthub.entrypoints.containers import build_container, close_container
from scripthub.entrypoints.containers.adapters import Adapters
from scripthub.entrypoints.containers.use_cases import UseCases
from scripthub.entrypoints.settings import load_settings

ENVIRONMENTS = {
    "embedded": {},
    "production": {
        "SCRIPTHUB_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        "SCRIPTHUB_REDIS_URL": "redis://127.0.0.1:6379/15",
    },
    "sql_sessions": {"SCRIPTHUB_SESSION_STORE": "sql"},
}


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
async def test_every_provider_resolves(name: str) -> None:
    environment = {"SCRIPTHUB_JWT_SECRET": "c" * 32, **ENVIRONMENTS[name]}
    container = build_container(load_settings(environment, env_file=None))

    for part, declaration in (("adapters", Adapters), ("use_cases", UseCases)):
        for provider_name, provider in declaration.providers.items():
            if isinstance(provider, providers.Dependency | providers.DependenciesContainer):
                continue
            if provider_name == "redis_client" and not container.settings().redis_url:
                continue  # only built when a Redis adapter is selected
            assert getattr(getattr(container, part), provider_name)() is not None, provider_name

    await close_container(container)


async def test_use_cases_are_built_once_and_share_their_services() -> None:
    container = build_container(load_settings({"SCRIPTHUB_JWT_SECRET": "c" * 32}, env_file=None))
    use_cases = container.use_cases

    assert use_cases.log_in() is use_cases.log_in()
    assert use_cases.list_users()._authorizer is use_cases.change_user_role()._authorizer
    assert use_cases.adapters.engine() is container.adapters.engine()
    await close_container(container)


async def test_the_postgresql_pool_is_sized_by_settings() -> None:
    environment = {
        "SCRIPTHUB_JWT_SECRET": "c" * 32,
        **ENVIRONMENTS["production"],
        "SCRIPTHUB_DATABASE_POOL_SIZE": "3",
        "SCRIPTHUB_DATABASE_MAX_OVERFLOW": "2",
    }
    container = build_container(load_settings(environment, env_file=None))
    pool = container.adapters.engine().sync_engine.pool

    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (3, 2)  # no public reader for the overflow
    await close_container(container)
