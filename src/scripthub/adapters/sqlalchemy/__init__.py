"""Relational persistence on SQLAlchemy (async): SQLite embedded, PostgreSQL in production.

Migrations live in `scripthub.adapters.sqlalchemy.migrations` (imported on demand: Alembic
is only needed to change the schema).
"""

from __future__ import annotations

from scripthub.adapters.sqlalchemy.audit import SqlAlchemyAuditLog
from scripthub.adapters.sqlalchemy.email_tokens import SqlAlchemyEmailTokenRepository
from scripthub.adapters.sqlalchemy.engine import (
    SqlAlchemyHealthProbe,
    create_engine,
    create_session_factory,
)
from scripthub.adapters.sqlalchemy.outbox import SqlAlchemyMailOutbox
from scripthub.adapters.sqlalchemy.outbox_store import SqlAlchemyOutboxStore
from scripthub.adapters.sqlalchemy.providers import SqlAlchemyProviderLinkRepository
from scripthub.adapters.sqlalchemy.roles import SqlAlchemyRoleRepository
from scripthub.adapters.sqlalchemy.token_store import SqlAlchemyTokenStore
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.adapters.sqlalchemy.users import SqlAlchemyUserRepository

__all__ = [
    "SqlAlchemyAuditLog",
    "SqlAlchemyEmailTokenRepository",
    "SqlAlchemyHealthProbe",
    "SqlAlchemyMailOutbox",
    "SqlAlchemyOutboxStore",
    "SqlAlchemyProviderLinkRepository",
    "SqlAlchemyRoleRepository",
    "SqlAlchemyTokenStore",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUserRepository",
    "create_engine",
    "create_session_factory",
]
