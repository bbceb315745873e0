"""The statements of the hot paths, run on asyncpg's connection (PostgreSQL) or through
SQLAlchemy (SQLite): the same SQL, the same rows, one transaction with SQLAlchemy's own
statements, and the same errors."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import bindparam, event, insert

from scripthub.adapters.sqlalchemy.audit import audit_logs
from scripthub.adapters.sqlalchemy.statements import (
    AsyncpgStatements,
    CompiledStatement,
    SqlAlchemyStatements,
    new_value,
    new_value_parameters,
)
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.audit import AuditQuery
from scripthub.domain.errors import ConflictError
from tests.contract.samples import T0, make_entry, make_user

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from tests.contract.uow_backends import MakeUnitOfWork

_ENTRY = audit_logs.select().where(
    audit_logs.c.id == bindparam("entry"), audit_logs.c.outcome == "success"
)
_RECORD = insert(audit_logs).values(new_value_parameters(audit_logs.c.keys()))


def record_values(entry_id: uuid.UUID) -> dict[str, Any]:
    """Every column of an `audit_logs` row, with a JSON document and an aware timestamp."""
    entry = make_entry(actor_id=uuid.uuid4())
    return {
        new_value(name): value
        for name, value in {
            "id": entry_id,
            "occurred_at": T0,
            "actor_id": entry.actor_id,
            "action": "user.updated",
            "resource_type": "user",
            "resource_id": "42",
            "outcome": "success",
            "ip_address": None,
            "user_agent": "curl/8.5",
            "metadata": {"fields": ["profile.bio"], "n": 1},
            "created_at": T0,
            "updated_at": T0,
        }.items()
    }


@pytest.mark.postgres
async def test_asyncpg_runs_the_sql_sqlalchemy_sends_and_reads_the_same_row(
    postgres_database_url: str,
) -> None:
    from scripthub.adapters.sqlalchemy.engine import create_engine  # noqa: PLC0415

    engine = create_engine(postgres_database_url)
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    entry_id = uuid.uuid4()
    try:
        async with engine.connect() as connection:
            event.listen(engine.sync_engine, "before_cursor_execute", record)
            through_sqlalchemy = SqlAlchemyStatements(connection)
            await through_sqlalchemy.run(_RECORD, record_values(entry_id))
            sqlalchemy_row = await through_sqlalchemy.first(_ENTRY, {"entry": entry_id})
            event.remove(engine.sync_engine, "before_cursor_execute", record)

            driver_row = await AsyncpgStatements(connection).first(_ENTRY, {"entry": entry_id})
    finally:
        await engine.dispose()

    assert sent == [
        CompiledStatement(_RECORD, engine.dialect).sql,
        CompiledStatement(_ENTRY, engine.dialect).sql,
    ]
    assert sqlalchemy_row is not None
    assert driver_row is not None
    assert dict(driver_row) == dict(sqlalchemy_row)
    assert driver_row["metadata"] == {"fields": ["profile.bio"], "n": 1}
    assert driver_row["occurred_at"] == T0
    assert driver_row["occurred_at"].utcoffset() is not None


async def test_the_hot_statements_share_the_unit_of_work_transaction(
    make_uow: MakeUnitOfWork,
) -> None:
    """`audit.record` (on asyncpg's connection on PostgreSQL) and `users.add` (through
    SQLAlchemy) commit together, roll back together, and a write after a commit needs
    another commit whichever way it is sent."""
    kept, dropped, late = make_entry(), make_entry(), make_entry()
    alice, bob = make_user("alice"), make_user("bob")
    async with make_uow() as uow:
        await uow.audit.record(dropped)
        await uow.users.add(bob)
        assert await uow.audit.search(AuditQuery()) == [dropped]
    async with make_uow() as uow:
        await uow.users.add(alice)
        await uow.audit.record(kept)
        await uow.commit()
        await uow.audit.record(late)

    async with make_uow() as uow:
        assert await uow.audit.search(AuditQuery()) == [kept]
        assert await uow.users.get(alice.id) == alice
        assert await uow.users.get(bob.id) is None


async def test_a_constraint_the_hot_statements_violate_is_a_conflict(engine: AsyncEngine) -> None:
    entry = make_entry()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.audit.record(entry)
        await uow.commit()

    with pytest.raises(ConflictError):
        async with SqlAlchemyUnitOfWork(engine) as uow:
            await uow.audit.record(entry)

    async with SqlAlchemyUnitOfWork(engine) as uow:
        assert await uow.audit.search(AuditQuery()) == [entry]
        assert (await uow.users.get(uuid.uuid4())) is None


def test_arguments_take_the_statement_literals_and_convert_values_as_sqlalchemy_does() -> None:
    from datetime import timedelta, timezone  # noqa: PLC0415

    from sqlalchemy.dialects.postgresql.asyncpg import dialect  # noqa: PLC0415

    entry_id = uuid.uuid4()
    values = record_values(entry_id) | {
        new_value("occurred_at"): T0.astimezone(timezone(timedelta(hours=2)))
    }

    written = CompiledStatement(_RECORD, dialect()).arguments(values)
    read = CompiledStatement(_ENTRY, dialect()).arguments({"entry": entry_id})

    assert written[0] == entry_id
    assert written[1] == T0
    assert written[1].utcoffset() == timedelta(0)
    assert written[9] == '{"fields": ["profile.bio"], "n": 1}'
    assert read == [entry_id, "success"]


async def test_run_many_writes_a_row_per_set_of_values_and_fails_as_sqlalchemy_does(
    engine: AsyncEngine,
) -> None:
    from sqlalchemy.exc import IntegrityError  # noqa: PLC0415

    first, second = uuid.uuid4(), uuid.uuid4()
    both = audit_logs.select().where(audit_logs.c.id.in_(bindparam("ids", expanding=True)))
    async with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        statements = (AsyncpgStatements if postgres else SqlAlchemyStatements)(connection)
        await statements.run_many(_RECORD, [record_values(first), record_values(second)])
        rows = await SqlAlchemyStatements(connection).all(both, {"ids": [first, second]})
        assert sorted(row["id"] for row in rows) == sorted([first, second])
        assert {row["action"] for row in rows} == {"user.updated"}

        with pytest.raises(IntegrityError):
            await statements.run_many(_RECORD, [record_values(uuid.uuid4())] * 2)
