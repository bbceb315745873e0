"""In-memory fakes of the relational ports, for unit tests only.

The product never runs on them (the embedded wiring uses SQLite); the contract suites in
`tests/contract` hold them to the same behaviour as the SQL adapters.
"""

from __future__ import annotations

from tests.fakes.audit import InMemoryAuditLog
from tests.fakes.database import InMemoryDatabase
from tests.fakes.email_tokens import InMemoryEmailTokenRepository
from tests.fakes.outbox import InMemoryOutboxDispatchStore, InMemoryOutboxWriter
from tests.fakes.permission_cache import InMemoryPermissionCache
from tests.fakes.provider_links import InMemoryProviderLinkRepository
from tests.fakes.roles import InMemoryRoleRepository
from tests.fakes.unit_of_work import InMemoryUnitOfWork
from tests.fakes.users import InMemoryUserRepository

__all__ = [
    "InMemoryAuditLog",
    "InMemoryDatabase",
    "InMemoryEmailTokenRepository",
    "InMemoryOutboxDispatchStore",
    "InMemoryOutboxWriter",
    "InMemoryPermissionCache",
    "InMemoryProviderLinkRepository",
    "InMemoryRoleRepository",
    "InMemoryUnitOfWork",
    "InMemoryUserRepository",
]
