"""In-process adapters for every port: unit tests and the embedded default run on them."""

from __future__ import annotations

from scripthub.adapters.memory.audit import InMemoryAuditLog
from scripthub.adapters.memory.database import InMemoryDatabase
from scripthub.adapters.memory.email_tokens import InMemoryEmailTokenRepository
from scripthub.adapters.memory.outbox import InMemoryMailOutbox, InMemoryOutboxStore
from scripthub.adapters.memory.permission_cache import InMemoryPermissionCache
from scripthub.adapters.memory.providers import InMemoryProviderLinkRepository
from scripthub.adapters.memory.rate_limiter import InMemoryRateLimiter
from scripthub.adapters.memory.roles import InMemoryRoleRepository
from scripthub.adapters.memory.token_store import InMemoryTokenStore
from scripthub.adapters.memory.unit_of_work import InMemoryUnitOfWork
from scripthub.adapters.memory.users import InMemoryUserRepository

__all__ = [
    "InMemoryAuditLog",
    "InMemoryDatabase",
    "InMemoryEmailTokenRepository",
    "InMemoryMailOutbox",
    "InMemoryOutboxStore",
    "InMemoryPermissionCache",
    "InMemoryProviderLinkRepository",
    "InMemoryRateLimiter",
    "InMemoryRoleRepository",
    "InMemoryTokenStore",
    "InMemoryUnitOfWork",
    "InMemoryUserRepository",
]
