"""Turning a dead, unreachable or silent Redis into the application's own error."""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from scripthub.adapters.redis.client import redis_location
from scripthub.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from redis.asyncio import Redis


class _OnRedis(Protocol):
    """A Redis adapter: what the client it was given connects to names an outage."""

    @property
    def _client(self) -> Redis: ...


A = TypeVar("A", bound=_OnRedis)
P = ParamSpec("P")
T = TypeVar("T")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)
"""What a client raises when the server cannot be reached or does not answer in time."""

DEADLINE_SECONDS = 5.0
"""How long one adapter operation, all its round trips together, may wait on Redis."""


def cache_unavailable_as_503(
    method: Callable[Concatenate[A, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[A, P], Coroutine[Any, Any, T]]:
    """Wrap an adapter coroutine so that a Redis that cannot be reached, or that does not
    answer within `DEADLINE_SECONDS`, raises ServiceUnavailableError naming the Redis URL
    (without its password).

    The deadline is the adapters' own, not the client's `socket_timeout`
    (`redis_client_for`): an operation cut off there leaves no connection behind, since
    redis-py drops a connection whose command or reply was interrupted.
    """

    @functools.wraps(method)
    async def wrapper(adapter: A, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            async with asyncio.timeout(DEADLINE_SECONDS):
                return await method(adapter, *args, **kwargs)
        except UNAVAILABLE as error:
            service = redis_location(adapter._client)
            raise ServiceUnavailableError("cache unavailable", service=service) from error

    return wrapper
