"""In-process stores for the embedded wiring (one process, nothing shared): sessions,
rate-limit counters, failed sign-ins, install counts and OAuth flows; and, in every wiring,
prepared code and personal access tokens. The in-memory fakes of the relational ports live
in `tests/fakes`."""

from __future__ import annotations

from scripthub.adapters.memory.access_token_cache import InMemoryAccessTokenCache
from scripthub.adapters.memory.install_counter import InMemoryInstallCounter
from scripthub.adapters.memory.latest_code import InMemoryLatestCodeStore
from scripthub.adapters.memory.login_throttle import InMemoryLoginThrottle
from scripthub.adapters.memory.oauth_flows import InMemoryOAuthFlowStore
from scripthub.adapters.memory.prepared_code import InMemoryPreparedCodeCache
from scripthub.adapters.memory.rate_limiter import InMemoryRateLimiter
from scripthub.adapters.memory.session_store import InMemorySessionStore

__all__ = [
    "InMemoryAccessTokenCache",
    "InMemoryInstallCounter",
    "InMemoryLatestCodeStore",
    "InMemoryLoginThrottle",
    "InMemoryOAuthFlowStore",
    "InMemoryPreparedCodeCache",
    "InMemoryRateLimiter",
    "InMemorySessionStore",
]
