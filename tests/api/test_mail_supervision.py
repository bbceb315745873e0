"""The in-process mail dispatcher, supervised: a pass that fails for a reason nobody planned
for (here a missing table) is logged with its traceback and tried again, mail goes out once the
cause is gone, and /health/ready and /metrics say how the dispatcher and the outbox are doing."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from scripthub.domain.mail import Email, OutboxMessage
from scripthub.entrypoints.containers import Container, build_container, close_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.mail_worker import DispatcherStatus, DispatcherWatch, dispatch_until
from scripthub.entrypoints.settings import load_settings
from tests.api.conftest import TEST_ENVIRONMENT

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.postgres

WAIT_SECONDS = 10.0


def container_for(database_url: str, **settings: str) -> Container:
    environment = {**TEST_ENVIRONMENT, "SCRIPTHUB_DATABASE_URL": database_url, **settings}
    return build_container(load_settings(environment, env_file=None))


async def execute(database_url: str, statement: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def hide_outbox(database_url: str) -> None:
    await execute(database_url, "ALTER TABLE mail_outbox RENAME TO mail_outbox_hidden")


async def restore_outbox(database_url: str) -> None:
    await execute(database_url, "ALTER TABLE mail_outbox_hidden RENAME TO mail_outbox")


async def enqueue(container: Container, queued_at: datetime) -> None:
    email = Email("reader@example.com", "Hello", "text", "<p>html</p>")
    async with container.adapters.unit_of_work() as uow:
        await uow.outbox.enqueue(OutboxMessage(uuid.uuid4(), email, queued_at, queued_at))
        await uow.commit()


async def eventually(condition: Callable[[], object]) -> None:
    """Wait (not time) for what the dispatcher does on its own schedule; `condition` may be
    a coroutine function."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not await _value(condition()):
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.02)


async def _value(result: object) -> object:
    return await result if inspect.isawaitable(result) else result


async def test_an_unexpected_failure_is_logged_with_its_traceback_and_dispatch_goes_on(
    postgres_database_url: str, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scripthub.mail")
    container = container_for(postgres_database_url, SCRIPTHUB_SMTP_URL=smtp_sink.url())
    await enqueue(container, datetime.now(UTC))
    await hide_outbox(postgres_database_url)
    watch = DispatcherWatch(container.adapters.clock())
    stop = asyncio.Event()
    task = asyncio.create_task(dispatch_until(container, stop, watch, first_backoff=0.01))

    await eventually(lambda: watch.failures >= 2)
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert watch.status() is DispatcherStatus.FAILING
    assert failures[0].exc_info is not None
    assert "mail_outbox" in caplog.text
    assert "Traceback" in caplog.text

    await restore_outbox(postgres_database_url)
    await smtp_sink.wait_for_messages(1)
    await eventually(lambda: watch.status() is DispatcherStatus.OK)
    assert not task.done()
    stop.set()
    await task
    await smtp_sink.wait_idle()
    await close_container(container)


async def test_readiness_and_metrics_report_a_failing_dispatcher(
    postgres_database_url: str,
) -> None:
    container = container_for(postgres_database_url)
    await hide_outbox(postgres_database_url)
    async with AsyncTestClient(app=create_app(container)) as client:
        ready: httpx.Response | None = None

        async def not_ready() -> bool:
            nonlocal ready
            ready = await client.get("/health/ready")
            return ready.status_code == 503

        await eventually(not_ready)
        metrics = await client.get("/metrics")
        assert ready is not None
        assert ready.json()["mail_dispatcher"] == "failing"
        assert 'scripthub_mail_dispatcher_status{status="failing"} 1.0' in metrics.text
        assert 'scripthub_mail_dispatcher_status{status="ok"} 0.0' in metrics.text

        await restore_outbox(postgres_database_url)

        async def ready_again() -> bool:
            return (await client.get("/health/ready")).status_code == 200

        await eventually(ready_again)
        assert (await client.get("/health/ready")).json()["mail_dispatcher"] == "ok"


async def test_metrics_show_how_long_the_oldest_pending_mail_has_waited(
    postgres_database_url: str,
) -> None:
    writer = container_for(postgres_database_url)
    await enqueue(writer, datetime.now(UTC) - timedelta(hours=1))
    await close_container(writer)
    container = container_for(postgres_database_url, SCRIPTHUB_MAIL_DISPATCH="external")
    async with AsyncTestClient(app=create_app(container)) as client:
        metrics = await client.get("/metrics")
        ready = await client.get("/health/ready")

    [age] = [
        float(line.split()[1])
        for line in metrics.text.splitlines()
        if line.startswith("scripthub_mail_oldest_pending_age_seconds ")
    ]
    assert 3600 <= age < 3700
    assert "mail_dispatcher" not in ready.json()  # nothing dispatches in-process
