"""What the SQL repositories send: one query per read, and newest-first pages read in
index order."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.audit import AuditQuery
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.users import UserQuery
from scripthub.domain.audit import Outcome
from scripthub.domain.providers import Provider, ProviderLink
from scripthub.domain.roles import Role
from scripthub.domain.users import AccountStatus
from tests.contract.samples import T0, make_entry, make_user
from tests.contract.sql_support import seeding_transaction
from tests.contract.uow_backends import Step

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine.interfaces import DBAPICursor
    from sqlalchemy.ext.asyncio import AsyncEngine


@contextlib.contextmanager
def recorded_statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements sent through `engine` within the block, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def record(
        conn: object, cursor: DBAPICursor, statement: str, parameters: Any, *args: object
    ) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_each_read_is_one_query(engine: AsyncEngine) -> None:
    users = [make_user(f"user{i}") for i in range(3)]
    async with SqlAlchemyUnitOfWork(engine) as uow:
        for user in users:
            await uow.users.add(user)
            link = ProviderLink(uuid.uuid4(), user.id, Provider.GITHUB, str(user.id), None, T0)
            await uow.provider_links.add(link)
            await uow.roles.assign(user.id, "user")
            await uow.roles.assign(user.id, "moderator")
            await uow.audit.record(make_entry(actor_id=user.id))
        for name in ("editor", "reviewer"):
            await uow.roles.add_role(Role(name, name, False, []))
            await uow.roles.set_permissions(name, ["scripts.read", "users.read"])
        await uow.commit()
    ids = [user.id for user in users]
    after = Keyset(T0 + timedelta(days=1), uuid.uuid4())
    audit_query = AuditQuery(ids[0], "auth.login", "user", "42", Outcome.SUCCESS, T0, None, after)
    reads: dict[str, Step] = {
        "users.search": lambda uow: uow.users.search(
            UserQuery(text="USER", status=AccountStatus.ACTIVE, after=after)
        ),
        "providers.provider_names_of_many": lambda uow: uow.provider_links.provider_names_of_many(
            ids
        ),
        "roles.roles_of_many": lambda uow: uow.roles.roles_of_many(ids),
        "roles.list_roles": lambda uow: uow.roles.list_roles(),
        "roles.grants_of": lambda uow: uow.roles.grants_of(ids[0]),
        "roles.access_of": lambda uow: uow.roles.access_of(ids[0]),
        "audit.search": lambda uow: uow.audit.search(audit_query),
    }

    async with SqlAlchemyUnitOfWork(engine) as uow:
        for name, read in reads.items():
            with recorded_statements(engine) as statements:
                assert await read(uow), name
            assert len(statements) == 1, name


async def test_newest_first_pages_are_read_in_index_order(engine: AsyncEngine) -> None:
    after = Keyset(T0, uuid.uuid4())
    async with SqlAlchemyUnitOfWork(engine) as uow:
        with recorded_statements(engine) as statements:
            await uow.users.search(UserQuery(after=after))
            await uow.audit.search(AuditQuery(after=after))

    users_plan, audit_plan = [await query_plan(engine, *statement) for statement in statements]

    assert "ix_users_created_at_id" in users_plan
    assert "ix_audit_logs_occurred_at_id" in audit_plan
    for plan in (users_plan, audit_plan):
        # PostgreSQL says "Sort"; SQLite "USE TEMP B-TREE FOR ORDER BY".
        assert "Sort" not in plan
        assert "TEMP B-TREE" not in plan


async def query_plan(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Tables this small are cheaper to scan whole; the question is whether the index
            # can serve the order at all.
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        else:
            result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in result)


@pytest.mark.postgres
async def test_the_user_search_as_sent_finds_rare_text_through_the_trigram_index(
    postgres_database_url: str,
) -> None:
    engine = create_engine(postgres_database_url)
    try:
        async with seeding_transaction(postgres_database_url) as connection:
            await connection.exec_driver_sql(
                "INSERT INTO users (id, email, username, account_status, created_at, updated_at)"
                " SELECT gen_random_uuid(), 'member' || n || '@example.com', 'member' || n,"
                " 'active', now() - n * interval '1 second', now()"
                " FROM generate_series(1, 100000) AS n"
            )
            await connection.exec_driver_sql("ANALYZE users")
        with recorded_statements(engine) as statements:
            # More runs than PostgreSQL needs to switch a prepared statement to a generic plan.
            for _ in range(7):
                async with SqlAlchemyUnitOfWork(engine) as uow:
                    await uow.users.search(UserQuery(text="ZQX%_"))
        [(statement, parameters)] = statements[-1:]
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            plan = "\n".join(row[0] for row in result)
    finally:
        await engine.dispose()

    assert "zqx/%/_" in statement, "the pattern is inlined, so every run gets its own plan"
    assert "ix_users_search_text_trigram" in plan, plan
