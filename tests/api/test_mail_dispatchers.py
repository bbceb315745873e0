"""Several dispatchers on one PostgreSQL database: every mail is sent exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

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
