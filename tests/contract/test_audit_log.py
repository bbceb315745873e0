"""The AuditLog contract, through the unit of work of every adapter."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

from scripthub.application.ports.audit import AuditQuery
from scripthub.application.ports.keyset import Keyset
from scripthub.domain.audit import AuditEntry, Outcome
from tests.contract.paging import every_page, newest_first, staggered
from tests.contract.samples import T0, make_entry
from tests.contract.uow_backends import MakeUnitOfWork


async def record_committed(make_uow: MakeUnitOfWork, *entries: AuditEntry) -> None:
    async with make_uow() as uow:
        for entry in entries:
            await uow.audit.record(entry)
        await uow.commit()


def entry_occurred_at(entry: AuditEntry) -> datetime:
    return entry.occurred_at


async def test_audit_entries_commit_with_the_unit_of_work(make_uow: MakeUnitOfWork) -> None:
    entry = AuditEntry(
        id=uuid.uuid4(),
        occurred_at=T0,
        actor_id=uuid.uuid4(),
        action="auth.login",
        resource_type="user",
        resource_id="42",
        outcome=Outcome.FAILURE,
        ip_address="2001:db8::1",
        user_agent="curl/8.5",
        metadata={"reason": "invalid_credentials", "attempt": 3, "tags": ["a", "b"]},
    )
    anonymous = dataclasses.replace(
        entry,
        id=uuid.uuid4(),
        occurred_at=T0 + timedelta(seconds=1),
        actor_id=None,
        action="access.denied",
        resource_type=None,
        resource_id=None,
        outcome=Outcome.DENIED,
        ip_address=None,
        user_agent=None,
        metadata={},
    )
    async with make_uow() as uow:
        await uow.audit.record(entry)
        await uow.audit.record(anonymous)
        await uow.commit()
    async with make_uow() as uow:
        await uow.audit.record(dataclasses.replace(entry, id=uuid.uuid4()))
        assert len(await uow.audit.search(AuditQuery())) == 3

    async with make_uow() as uow:
        assert await uow.audit.search(AuditQuery()) == [anonymous, entry]


async def test_audit_search_pages_newest_first_through_ties(make_uow: MakeUnitOfWork) -> None:
    entries = [make_entry(at=at) for at in staggered(7)]
    await record_committed(make_uow, *entries)

    async with make_uow() as uow:
        pages = await every_page(
            lambda after: uow.audit.search(AuditQuery(after=after, limit=3)), entry_occurred_at
        )

    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert [entry for page in pages for entry in page] == newest_first(entries, entry_occurred_at)


async def test_audit_search_ands_every_filter(make_uow: MakeUnitOfWork) -> None:
    ann, ben = uuid.uuid4(), uuid.uuid4()
    minute = timedelta(minutes=1)
    login = make_entry(actor_id=ann, resource=("user", "1"))
    failed = make_entry(
        at=T0 + minute, actor_id=ann, resource=("user", "1"), outcome=Outcome.FAILURE
    )
    assigned = make_entry("role.assigned", at=T0 + 2 * minute, actor_id=ben, resource=("user", "2"))
    denied = make_entry(
        "access.denied", at=T0 + 3 * minute, resource=(None, None), outcome=Outcome.DENIED
    )
    await record_committed(make_uow, login, failed, assigned, denied)

    async def search(**filters: object) -> list[AuditEntry]:
        return await uow.audit.search(dataclasses.replace(AuditQuery(), **filters))

    async with make_uow() as uow:
        assert await search() == [denied, assigned, failed, login]
        assert await search(actor_id=ann) == [failed, login]
        assert await search(action="auth.login", outcome=Outcome.FAILURE) == [failed]
        assert await search(outcome=Outcome.DENIED) == [denied]
        assert await search(resource_type="user") == [assigned, failed, login]
        assert await search(resource_type="user", resource_id="1") == [failed, login]
        assert await search(resource_id="2") == [assigned]
        assert await search(since=T0 + minute) == [denied, assigned, failed]
        assert await search(until=T0 + minute) == [login]
        assert await search(since=T0 + minute, until=T0 + 3 * minute) == [assigned, failed]
        assert await search(actor_id=ann, since=T0 + minute) == [failed]
        assert await search(actor_id=ben, action="auth.login") == []
        assert await search(limit=2, after=Keyset(failed.occurred_at, failed.id)) == [login]
