"""The mail outbox, on every adapter: `OutboxWriter` inside the unit of work,
`OutboxDispatchStore` for the dispatchers.

Plus what only SQL has: claimers on separate engines, rows locked by another transaction
skipped (PostgreSQL), text PostgreSQL cannot store, and driver failures as the
application's own error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.outbox_dispatch_store import SqlAlchemyOutboxDispatchStore
from scripthub.adapters.sqlalchemy.outbox_table import mail_outbox
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.domain.errors import BadRequestError, ServiceUnavailableError
from scripthub.domain.mail import Claim, DeliveryStatus, Email, OutboxMessage
from tests.contract.mail_backends import BACKENDS, SqlMailBackend, open_backend
from tests.contract.samples import T0, make_user
from tests.contract.sql_support import CLOSED_PORT_URL, join_aiosqlite_threads
from tests.contract.uow_backends import committed

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime
    from pathlib import Path

    from scripthub.application.ports.mail import OutboxDispatchStore
    from tests.contract.mail_backends import MailBackend

PENDING, SENT, FAILED = DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED
NOW = T0 + timedelta(minutes=1)
LEASE = timedelta(minutes=2)
TICK = timedelta(microseconds=1)


@pytest.fixture(params=BACKENDS)
def new_backend(request: pytest.FixtureRequest) -> MailBackend:
    return open_backend(request)


@pytest.fixture
async def backend(new_backend: MailBackend) -> AsyncIterator[MailBackend]:
    yield new_backend
    await new_backend.close()


@pytest.fixture
def store(backend: MailBackend) -> OutboxDispatchStore:
    return backend.outbox_dispatch_store()


def make_message(
    n: int = 0,
    *,
    created_at: datetime = T0,
    due: datetime | None = None,
    status: DeliveryStatus = PENDING,
) -> OutboxMessage:
    return OutboxMessage(
        id=uuid.uuid4(),
        email=Email(
            to=f"user{n}@example.com",
            subject=f"Message {n}",
            text="Hello,\nthis is a test.",
            html="<p>Hello,<br>this is a test.</p>",
        ),
        created_at=created_at,
        next_attempt_at=created_at if due is None else due,
        status=status,
    )


async def enqueue_committed(backend: MailBackend, *messages: OutboxMessage) -> None:
    async with backend.unit_of_work() as uow:
        for message in messages:
            await uow.outbox.enqueue(message)
        await uow.commit()


async def only_message(store: OutboxDispatchStore, status: DeliveryStatus) -> OutboxMessage:
    [message] = await store.list_by_status(status, 10)
    return message


def counts(pending: int = 0, sent: int = 0, failed: int = 0) -> dict[DeliveryStatus, int]:
    return {PENDING: pending, SENT: sent, FAILED: failed}


# Queueing, in the unit of work


async def test_an_enqueued_message_commits_with_the_change_that_caused_it(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    user = make_user()
    message = make_message()
    async with backend.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.outbox.enqueue(message)
        assert await store.count_by_status() == counts()
        await uow.commit()

    assert await store.list_by_status(PENDING, 10) == [message]
    assert await store.count_by_status() == counts(pending=1)
    async with backend.unit_of_work() as uow:
        assert await uow.users.get(user.id) == user


async def test_an_enqueued_message_rolls_back_with_its_unit_of_work(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    async with backend.unit_of_work() as uow:
        await uow.users.add(make_user())
        await uow.outbox.enqueue(make_message())

    async def enqueue_then_fail() -> None:
        async with backend.unit_of_work() as uow:
            await uow.outbox.enqueue(make_message())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await enqueue_then_fail()

    assert await store.count_by_status() == counts()


async def test_committing_a_unit_of_work_keeps_a_dispatchers_concurrent_changes(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    queued, new = make_message(1), make_message(2)
    await enqueue_committed(backend, queued)

    async with backend.unit_of_work() as uow:
        [claimed] = await store.claim_due(NOW, 10, LEASE)
        await uow.outbox.enqueue(new)
        await uow.commit()

    assert claimed.id == queued.id
    listed = await store.list_by_status(PENDING, 10)
    assert {message.id: message.attempts for message in listed} == {queued.id: 1, new.id: 0}


# Claiming


async def test_claiming_leases_due_pending_mail_oldest_first_up_to_the_limit(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    oldest = make_message(1, created_at=T0 - timedelta(seconds=2))
    older = make_message(2, created_at=T0 - timedelta(seconds=1), due=NOW)
    later = make_message(3, created_at=T0 - timedelta(seconds=3), due=NOW + TICK)
    sent = make_message(4, created_at=T0 - timedelta(seconds=4), status=SENT)
    failed = make_message(5, created_at=T0 - timedelta(seconds=5), status=FAILED)
    await enqueue_committed(backend, later, older, sent, failed, oldest)

    first = await store.claim_due(NOW, 1, LEASE)
    rest = await store.claim_due(NOW, 10, LEASE)

    leased = {"attempts": 1, "next_attempt_at": NOW + LEASE}
    assert first == [dataclasses.replace(oldest, **leased)]
    assert rest == [dataclasses.replace(older, **leased)]
    assert await store.claim_due(NOW, 10, LEASE) == []
    for message in (*first, *rest):
        for moment in (message.created_at, message.next_attempt_at):
            assert moment.utcoffset() == timedelta(0)


async def test_a_claimed_message_is_due_again_when_its_lease_ends(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    message = make_message()
    await enqueue_committed(backend, message)
    await store.claim_due(NOW, 10, LEASE)

    # The dispatcher that claimed it died: nobody reports on it.
    assert await store.claim_due(NOW + LEASE - TICK, 10, LEASE) == []
    [again] = await store.claim_due(NOW + LEASE, 10, LEASE)

    assert again == dataclasses.replace(message, attempts=2, next_attempt_at=NOW + 2 * LEASE)


async def test_several_claims_in_a_row_hand_out_every_due_message_once(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    messages = [make_message(n, created_at=T0 + n * TICK) for n in range(25)]
    await enqueue_committed(backend, *messages)

    assert await store.claim_due(NOW, 0, LEASE) == []
    batches = [await store.claim_due(NOW, 10, LEASE) for _ in range(4)]

    assert [len(batch) for batch in batches] == [10, 10, 5, 0]
    assert [m.id for batch in batches for m in batch] == [message.id for message in messages]


# Renewing leases


async def test_extending_moves_the_lease_of_each_claim_still_held(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    messages = [make_message(n, created_at=T0 + n * TICK) for n in range(3)]
    await enqueue_committed(backend, *messages)
    claimed = await store.claim_due(NOW, 2, LEASE)
    until = NOW + 3 * LEASE

    renewed = await store.extend_lease({message.claim for message in claimed}, until)

    assert renewed == {message.claim for message in claimed}
    assert await store.claim_due(until - TICK, 10, LEASE) == [
        dataclasses.replace(messages[2], attempts=1, next_attempt_at=until - TICK + LEASE)
    ]
    again = await store.claim_due(until, 10, LEASE)
    assert [(m.id, m.attempts) for m in again] == [(m.id, 2) for m in claimed]


async def test_a_lease_that_ran_out_unclaimed_can_still_be_extended(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    await enqueue_committed(backend, make_message())
    [claimed] = await store.claim_due(NOW, 10, LEASE)
    until = NOW + 2 * LEASE

    assert await store.extend_lease([claimed.claim], until) == {claimed.claim}

    assert (await only_message(store, PENDING)).next_attempt_at == until


async def test_a_superseded_or_reported_claim_is_not_extended(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    taken_over, sent, failed = (make_message(n, created_at=T0 + n * TICK) for n in range(3))
    await enqueue_committed(backend, taken_over, sent, failed)
    [first, *others] = await store.claim_due(NOW, 10, LEASE)
    await store.mark_sent(sent.id, NOW)
    await store.mark_failed(others[1].claim, NOW, "550 no such user")
    # The first dispatcher's lease ran out mid-send, and another one claimed the mail.
    [second] = await store.claim_due(NOW + LEASE, 10, LEASE)
    stale = [first.claim, *(message.claim for message in others), Claim(uuid.uuid4(), 1)]

    assert await store.extend_lease(stale, NOW + 5 * LEASE) == set()

    assert await store.list_by_status(PENDING, 10) == [second]
    assert await store.count_by_status() == counts(pending=1, sent=1, failed=1)
    assert await store.extend_lease([], NOW) == set()


# Delivery outcomes


async def test_a_retry_makes_the_message_due_at_the_given_time_with_its_error(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    message = make_message()
    await enqueue_committed(backend, message)
    [claimed] = await store.claim_due(NOW, 10, LEASE)
    retry_at = NOW + timedelta(seconds=30)

    await store.schedule_retry(claimed.claim, retry_at, "421 try again later")

    expected = dataclasses.replace(
        claimed, next_attempt_at=retry_at, last_error="421 try again later"
    )
    assert await only_message(store, PENDING) == expected
    assert await store.claim_due(retry_at - TICK, 10, LEASE) == []
    [again] = await store.claim_due(retry_at, 10, LEASE)
    assert again.attempts == 2
    assert again.last_error == "421 try again later"


async def test_a_sent_message_is_kept_as_sent_and_never_claimed_again(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    message = make_message()
    await enqueue_committed(backend, message)
    [claimed] = await store.claim_due(NOW, 10, LEASE)

    await store.mark_sent(message.id, NOW + TICK)

    sent = await only_message(store, SENT)
    assert sent == dataclasses.replace(claimed, status=SENT, sent_at=NOW + TICK)
    assert sent.sent_at is not None
    assert sent.sent_at.utcoffset() == timedelta(0)
    assert await store.claim_due(NOW + timedelta(days=365), 10, LEASE) == []
    assert await store.count_by_status() == counts(sent=1)


async def test_a_failed_message_is_kept_with_its_error_and_never_claimed_again(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    message = make_message()
    await enqueue_committed(backend, message)
    [claimed] = await store.claim_due(NOW, 10, LEASE)

    await store.mark_failed(claimed.claim, NOW, "550 no such user")

    expected = dataclasses.replace(claimed, status=FAILED, last_error="550 no such user")
    assert await only_message(store, FAILED) == expected
    assert await store.claim_due(NOW + timedelta(days=365), 10, LEASE) == []
    assert await store.count_by_status() == counts(failed=1)


async def test_a_late_retry_or_failure_does_not_undo_a_delivery(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    message = make_message()
    await enqueue_committed(backend, message)
    [claimed] = await store.claim_due(NOW, 10, LEASE)
    await store.mark_sent(message.id, NOW)

    # From a dispatcher whose lease ran out while another delivered the mail.
    await store.schedule_retry(claimed.claim, NOW, "timed out")
    await store.mark_failed(claimed.claim, NOW, "timed out")

    sent = await only_message(store, SENT)
    assert sent.last_error is None
    assert await store.count_by_status() == counts(sent=1)


async def test_a_superseded_claim_neither_retries_nor_fails_the_message(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    message = make_message()
    await enqueue_committed(backend, message)
    [first] = await store.claim_due(NOW, 10, LEASE)
    # Its lease ran out mid-send, and another dispatcher claimed the mail.
    [second] = await store.claim_due(NOW + LEASE, 10, LEASE)

    await store.schedule_retry(first.claim, NOW + LEASE, "timed out")
    await store.mark_failed(first.claim, NOW + LEASE, "timed out")

    assert await only_message(store, PENDING) == second
    await store.mark_failed(second.claim, NOW + LEASE, "550 no such user")
    assert (await only_message(store, FAILED)).last_error == "550 no such user"


async def test_outcomes_for_an_unknown_message_change_nothing(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    await enqueue_committed(backend, make_message())

    await store.mark_sent(uuid.uuid4(), NOW)
    await store.schedule_retry(Claim(uuid.uuid4(), 0), NOW, "x")
    await store.mark_failed(Claim(uuid.uuid4(), 0), NOW, "x")

    assert await store.count_by_status() == counts(pending=1)


async def test_requeue_makes_a_failed_message_due_now_with_no_attempts(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    message = make_message()
    await enqueue_committed(backend, message)
    [claimed] = await store.claim_due(NOW, 10, LEASE)
    await store.mark_failed(claimed.claim, NOW, "550 mailbox full")
    later = NOW + timedelta(hours=3)

    assert await store.requeue(message.id, later)

    requeued = await only_message(store, PENDING)
    assert requeued == dataclasses.replace(
        message, attempts=0, next_attempt_at=later, last_error="550 mailbox full"
    )
    [claimed] = await store.claim_due(later, 10, LEASE)
    assert claimed.attempts == 1


async def test_requeue_is_only_for_failed_messages(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    pending, sent = make_message(1), make_message(2)
    await enqueue_committed(backend, pending, sent)
    await store.mark_sent(sent.id, NOW)

    assert not await store.requeue(pending.id, NOW)
    assert not await store.requeue(sent.id, NOW)
    assert not await store.requeue(uuid.uuid4(), NOW)
    assert await store.count_by_status() == counts(pending=1, sent=1)
    assert await only_message(store, PENDING) == pending


# Operators' views


async def test_list_by_status_is_newest_first_and_limited(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    spread = [T0, T0, T0 + timedelta(seconds=1), T0 - TICK, T0, T0 + TICK]
    messages = [make_message(n, created_at=at) for n, at in enumerate(spread)]
    await enqueue_committed(backend, *messages, make_message(9, status=SENT))
    newest = sorted(messages, key=lambda m: (m.created_at, m.id), reverse=True)

    assert await store.list_by_status(PENDING, 4) == newest[:4]
    assert await store.list_by_status(PENDING, 100) == newest
    assert [m.status for m in await store.list_by_status(SENT, 100)] == [SENT]
    assert await store.list_by_status(FAILED, 100) == []


async def test_count_by_status_has_every_status(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    assert await store.count_by_status() == counts()

    await enqueue_committed(
        backend,
        make_message(1),
        make_message(2),
        make_message(3, status=SENT),
        make_message(4, status=FAILED),
    )

    assert await store.count_by_status() == counts(pending=2, sent=1, failed=1)


async def test_the_oldest_pending_message_says_when_it_was_queued(
    backend: MailBackend, store: OutboxDispatchStore
) -> None:
    assert await store.oldest_pending_created_at() is None

    oldest = T0 - timedelta(hours=1)
    await enqueue_committed(
        backend,
        make_message(1, created_at=T0),
        make_message(2, created_at=oldest, due=T0 + LEASE),
        make_message(3, created_at=oldest - TICK, status=SENT),
        make_message(4, created_at=oldest - TICK, status=FAILED),
    )

    assert await store.oldest_pending_created_at() == oldest


# SQL only


async def test_claimers_on_separate_engines_never_share_a_message(sql_database_url: str) -> None:
    backends = [SqlMailBackend(sql_database_url) for _ in range(2)]
    messages = [make_message(n, created_at=T0 + n * TICK) for n in range(120)]

    async def drain(store: OutboxDispatchStore) -> list[uuid.UUID]:
        taken: list[uuid.UUID] = []
        while batch := await store.claim_due(NOW, 7, LEASE):
            taken += [message.id for message in batch]
        return taken

    try:
        await enqueue_committed(backends[0], *messages)
        first, second = await asyncio.gather(
            *(drain(backend.outbox_dispatch_store()) for backend in backends)
        )
    finally:
        for backend in backends:
            await backend.close()

    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(message.id for message in messages)


@pytest.mark.postgres
async def test_a_claimer_skips_mail_locked_by_another_without_waiting(
    postgres_database_url: str,
) -> None:
    backend = SqlMailBackend(postgres_database_url)
    locked, free = make_message(1), make_message(2, created_at=T0 + TICK)
    engine = create_engine(postgres_database_url)
    try:
        await enqueue_committed(backend, locked, free)
        async with engine.connect() as connection:
            await connection.execute(
                select(mail_outbox.c.id).where(mail_outbox.c.id == locked.id).with_for_update()
            )
            async with asyncio.timeout(5):
                claimed = await backend.outbox_dispatch_store().claim_due(NOW, 10, LEASE)
    finally:
        await engine.dispose()
        await backend.close()

    assert [message.id for message in claimed] == [free.id]


async def test_an_error_text_postgresql_cannot_store_is_kept_readable(
    sql_database_url: str,
) -> None:
    backend = SqlMailBackend(sql_database_url)
    store = backend.outbox_dispatch_store()
    message = make_message()
    try:
        await enqueue_committed(backend, message)
        await store.schedule_retry(message.claim, NOW, "bad\x00reply")
        retried = await only_message(store, PENDING)
    finally:
        await backend.close()

    assert retried.last_error == "bad\N{REPLACEMENT CHARACTER}reply"


async def test_mail_with_nul_characters_is_a_bad_request(sql_database_url: str) -> None:
    backend = SqlMailBackend(sql_database_url)
    message = make_message()
    message = dataclasses.replace(message, email=dataclasses.replace(message.email, text="a\x00"))
    try:
        with pytest.raises(BadRequestError):
            await committed(backend.unit_of_work, lambda uow: uow.outbox.enqueue(message))
    finally:
        await backend.close()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(CLOSED_PORT_URL, id="postgres-closed-port"),
        pytest.param("sqlite+aiosqlite:///{tmp}/missing/dir/scripthub.db", id="sqlite-no-folder"),
    ],
)
async def test_an_unreachable_database_is_service_unavailable(url: str, tmp_path: Path) -> None:
    engine = create_engine(url.format(tmp=tmp_path))
    store = SqlAlchemyOutboxDispatchStore(engine)
    message_id = uuid.uuid4()
    calls = [
        lambda: store.claim_due(NOW, 10, LEASE),
        lambda: store.mark_sent(message_id, NOW),
        lambda: store.extend_lease({Claim(message_id, 1)}, NOW),
        lambda: store.schedule_retry(Claim(message_id, 1), NOW, "x"),
        lambda: store.mark_failed(Claim(message_id, 1), NOW, "x"),
        lambda: store.list_by_status(PENDING, 10),
        store.count_by_status,
        lambda: store.requeue(message_id, NOW),
    ]
    try:
        for call in calls:
            with pytest.raises(ServiceUnavailableError):
                await call()
        with pytest.raises(ServiceUnavailableError):
            await committed(
                lambda: SqlAlchemyUnitOfWork(engine),
                lambda uow: uow.outbox.enqueue(make_message()),
            )
    finally:
        await engine.dispose()
        await asyncio.to_thread(join_aiosqlite_threads)
