"""The one `MetaData` that every area's tables join; `schema.metadata` has them all loaded."""

from __future__ import annotations

from sqlalchemy import MetaData

# Explicit names keep constraints identical on SQLite and PostgreSQL, so later migrations
# (batch mode on SQLite) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
