"""The composition root: the adapters container, and the use-cases container built over it.

`adapters.py` is where an adapter is picked for each port (from settings); `use_cases.py` is
where each use case gets its ports. Tests build `UseCases` over fakes (`tests/unit/world.py`).
"""

from __future__ import annotations

from dependency_injector import containers, providers

from scripthub.entrypoints.containers.adapters import Adapters
from scripthub.entrypoints.containers.use_cases import UseCases
from scripthub.entrypoints.settings import Settings


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    adapters = providers.Container(Adapters, settings=settings)
    use_cases = providers.Container(UseCases, adapters=adapters)


def build_container(settings: Settings) -> Container:
    return Container(settings=providers.Object(settings))


async def close_container(container: Container) -> None:
    """Release pools and threads at shutdown."""
    adapters = container.adapters
    await adapters.engine().dispose()
    if container.settings().redis_url:
        await adapters.redis_client().aclose()
    adapters.hasher().close()
    await adapters.oauth_gateway().aclose()
