"""Several dispatchers on one PostgreSQL database: every mail is sent exactly once, however
slow the mail server."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from scripthub.application.mail.deliver_mail import DeliverMail, RetryPolicy
from scripthub.domain.mail import DeliveryStatus, Email, OutboxMessage
from scripthub.entrypoints.containers import Container, build_container, close_container
from scripthub.entrypoints.settings import load_settings
from tests.api.conftest import TEST_ENVIRONMENT
from tests.smtp_sink import SmtpSink

MAILS = 40

pytestmark = pytest.mark.postgres


def container_for(database_url: str, smtp_url: str) -> Container:
    environment = {
        **TEST_ENVIRONMENT,
        "SCRIPTHUB_DATABASE_URL": database_url,
        "SCRIPTHUB_SMTP_URL": smtp_url,
    }
    return build_container(load_settings(environment, env_file=None))


async def test_two_dispatchers_send_each_mail_once(
    postgres_database_url: str, smtp_sink: SmtpSink
) -> None:
    first = container_for(postgres_database_url, smtp_sink.url())
    second = container_for(postgres_database_url, smtp_sink.url())
    now = datetime.now(UTC)
    async with first.adapters.unit_of_work() as uow:
        for number in range(MAILS):
            email = Email(f"reader{number}@example.com", f"Mail {number}", "text", "<p>html</p>")
            await uow.outbox.enqueue(OutboxMessage(uuid.uuid4(), email, now, now))
        await uow.commit()

    reports = await asyncio.gather(
        first.use_cases.deliver_mail().run_once(), second.use_cases.deliver_mail().run_once()
    )

    assert sum(r.sent for r in reports) == MAILS
    assert all(r.sent > 0 for r in reports), "both dispatchers should have taken a share"
    await smtp_sink.wait_for_messages(MAILS)
    per_recipient = Counter(str(m["To"]) for m in smtp_sink.messages)
    assert len(per_recipient) == MAILS
    assert set(per_recipient.values()) == {1}
    counts = await first.adapters.outbox_dispatch_store().count_by_status()
    assert counts[DeliveryStatus.SENT] == MAILS
    assert counts[DeliveryStatus.PENDING] == 0
    await smtp_sink.wait_idle()
    for container in (first, second):
        await close_container(container)


async def test_a_send_slower_than_the_lease_is_not_repeated_by_another_dispatcher(
    postgres_database_url: str, smtp_sink: SmtpSink
) -> None:
    lease = timedelta(seconds=1)
    smtp_sink.data_delay = 3 * lease.total_seconds()
    slow, other = (container_for(postgres_database_url, smtp_sink.url()) for _ in range(2))
    now = datetime.now(UTC)
    async with slow.adapters.unit_of_work() as uow:
        email = Email("reader@example.com", "Slow mail", "text", "<p>html</p>")
        await uow.outbox.enqueue(OutboxMessage(uuid.uuid4(), email, now, now))
        await uow.commit()

    def dispatcher(container: Container) -> DeliverMail:
        adapters = container.adapters
        store, mailer, clock = adapters.outbox_dispatch_store(), adapters.mailer(), adapters.clock()
        return DeliverMail(store, mailer, clock, RetryPolicy(lease=lease))

    sending = asyncio.create_task(dispatcher(slow).run_once())
    # The other dispatcher polls all along the slow send, and past the first lease.
    others = []
    while not sending.done():
        others.append(await dispatcher(other).run_once())
        await asyncio.sleep(lease.total_seconds() / 10)

    assert (await sending).sent == 1
    assert sum(report.sent for report in others) == 0
    await smtp_sink.wait_idle(within=2 * smtp_sink.data_delay)
    assert len(smtp_sink.messages) == 1
    for container in (slow, other):
        await close_container(container)
