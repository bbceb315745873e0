"""Alembic environment for ScriptHub.

`scripthub.adapters.sqlalchemy.migrations` runs commands on a connection it passes in
`config.attributes["connection"]`. Without one (the `alembic` command line with `alembic.ini`
at the repository root), an async engine is built from the `sqlalchemy.url` option.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.adapters.sqlalchemy.engine import ensure_sqlite_directory
from scripthub.adapters.sqlalchemy.schema import metadata
from scripthub.adapters.sqlalchemy.scripts_search import include_name

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        # `scripthub db upgrade|downgrade` passes a hook that prints each step as it is applied.
        on_version_apply=config.attributes.get("on_version_apply", ()),
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_from_url(url: str) -> None:
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connection = config.attributes.get("connection")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    elif connection is not None:
        run_migrations(connection)
    elif url is not None:
        if config.config_file_name is not None:
            fileConfig(config.config_file_name)
        asyncio.run(run_migrations_from_url(url))
    else:
        msg = "set sqlalchemy.url or pass a connection in config.attributes['connection']"
        raise RuntimeError(msg)


main()
