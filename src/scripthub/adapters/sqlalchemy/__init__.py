"""Relational persistence on SQLAlchemy (async): SQLite embedded, PostgreSQL in production.

One module per area holds its tables, its row mapping and its repository (the tables and
mapping in `<area>_table.py` where one file would grow long), all on the one `MetaData` of
`metadata`; `schema` loads every area, so `schema.metadata` is the whole schema.

Migrations live in `scripthub.adapters.sqlalchemy.migrations` (imported on demand: Alembic
is only needed to change the schema).
"""

from __future__ import annotations

from scripthub.adapters.sqlalchemy.audit import SqlAlchemyAuditLog
from scripthub.adapters.sqlalchemy.email_tokens import SqlAlchemyEmailTokenRepository
from scripthub.adapters.sqlalchemy.engine import SqlAlchemyHealthProbe, create_engine
from scripthub.adapters.sqlalchemy.outbox_dispatch_store import SqlAlchemyOutboxDispatchStore
from scripthub.adapters.sqlalchemy.outbox_writer import SqlAlchemyOutboxWriter
from scripthub.adapters.sqlalchemy.provider_links import SqlAlchemyProviderLinkRepository
from scripthub.adapters.sqlalchemy.roles import SqlAlchemyRoleRepository
from scripthub.adapters.sqlalchemy.session_store import SqlAlchemySessionStore
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.adapters.sqlalchemy.users import SqlAlchemyUserRepository

__all__ = [
    "SqlAlchemyAuditLog",
    "SqlAlchemyEmailTokenRepository",
    "SqlAlchemyHealthProbe",
    "SqlAlchemyOutboxDispatchStore",
    "SqlAlchemyOutboxWriter",
    "SqlAlchemyProviderLinkRepository",
    "SqlAlchemyRoleRepository",
    "SqlAlchemySessionStore",
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUserRepository",
    "create_engine",
]
