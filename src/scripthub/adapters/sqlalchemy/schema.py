"""The whole relational schema: `metadata` with every area's tables loaded.

Each area module defines its tables on the shared `metadata.metadata`; importing them all
here is what makes it complete for Alembic and the schema tests. A new area adds its module
to this import. Alembic migrations must produce exactly this schema.
"""

from __future__ import annotations

# Imported for their tables, which join `metadata` as the modules load.
from scripthub.adapters.sqlalchemy import (  # noqa: F401
    access_tokens,
    audit,
    email_tokens,
    outbox_table,
    provider_links,
    reports_table,
    require_allowlist_table,
    roles_table,
    script_authors_table,
    scripts_table,
    sessions_table,
    sources_table,
    users_table,
)
from scripthub.adapters.sqlalchemy.metadata import metadata

__all__ = ["metadata"]
