"""Relational persistence on SQLAlchemy (async): SQLite embedded, PostgreSQL in production.

One module per area holds its tables, its row mapping and its repository (the tables and
mapping in `<area>_table.py` where one file would grow long), all on the one `MetaData` of
`metadata`; `schema` loads every area, so `schema.metadata` is the whole schema.

Migrations live in `scripthub.adapters.sqlalchemy.migrations` (imported on demand: Alembic
is only needed to change the schema). This package imports none of its modules: the master
of `scripthub serve` checks the schema through `engine` and `migrations` alone.
"""
