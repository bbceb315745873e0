"""`ReportRepository` on SQLite and PostgreSQL: one open report per reporter and script
(also when added at once), guarded rebuttals and resolutions (one of concurrent ones wins),
pages in both orders, the log of upheld reports, and the visibility lock."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.keyset import Keyset
from scripthub.application.ports.reports import NewReport, ReportQuery
from scripthub.domain.reports import (
    Decision,
    ModerationAction,
    ReportReason,
    ReportStatus,
    Resolution,
)
from scripthub.domain.takedowns import TakedownMode
from tests.contract.samples import make_user
from tests.script_builders import add_script

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from scripthub.domain.scripts import Script
    from scripthub.domain.users import User

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _uow(engine: AsyncEngine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine)


async def _user(engine: AsyncEngine) -> User:
    user = make_user(f"u{uuid.uuid4().hex[:10]}")
    async with _uow(engine) as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def _script(engine: AsyncEngine) -> Script:
    owner = await _user(engine)
    return await add_script(lambda: _uow(engine), owner, f"Script {uuid.uuid4().hex[:8]}")


def _new(
    script: Script,
    reporter: User,
    at: datetime = T0,
    reason: ReportReason = ReportReason.MALWARE,
) -> NewReport:
    return NewReport(uuid.uuid4(), script.id, reporter.id, reason, "Bad.", "1.0", at)


async def _add(engine: AsyncEngine, report: NewReport) -> bool:
    async with _uow(engine) as uow:
        added = await uow.reports.add(report)
        await uow.commit()
    return added


def _resolution(
    decision: Decision = Decision.UPHOLD,
    action: ModerationAction | None = ModerationAction.NONE,
    at: datetime = T0,
    mode: TakedownMode | None = None,
) -> Resolution:
    return Resolution(decision, action, "Note.", at, None, mode)


async def _resolve(
    engine: AsyncEngine, report_id: uuid.UUID, resolution: Resolution, *, locks: bool = False
) -> bool:
    async with _uow(engine) as uow:
        resolved = await uow.reports.resolve(report_id, resolution, locks_visibility=locks)
        await uow.commit()
    return resolved is not None


async def test_a_report_reads_back_whole_with_its_script_and_reporter(engine: AsyncEngine) -> None:
    script = await _script(engine)
    reporter = await _user(engine)
    new = _new(script, reporter)
    assert await _add(engine, new)

    async with _uow(engine) as uow:
        report = await uow.reports.get(new.id)
        missing = await uow.reports.get(uuid.uuid4())

    assert missing is None
    assert report is not None
    assert (report.script_id, report.script_name, report.script_owner_id) == (
        script.id,
        script.name,
        script.owner_id,
    )
    assert (report.reporter.id, report.reporter.username) == (reporter.id, reporter.username)
    assert (report.reason, report.details, report.version) == (ReportReason.MALWARE, "Bad.", "1.0")
    assert (report.status, report.created_at, report.resolution) == (ReportStatus.OPEN, T0, None)


async def test_one_open_report_per_reporter_and_script_even_when_added_at_once(
    engine: AsyncEngine,
) -> None:
    script = await _script(engine)
    reporter = await _user(engine)

    added = await asyncio.gather(*(_add(engine, _new(script, reporter)) for _ in range(5)))
    other = await _add(engine, _new(script, await _user(engine)))

    assert sorted(added) == [False, False, False, False, True]
    assert other
    async with _uow(engine) as uow:
        open_ = await uow.reports.search(
            ReportQuery(limit=10, script_id=script.id, reporter_id=reporter.id)
        )
    assert len(open_) == 1
    assert await _resolve(engine, open_[0].id, _resolution(Decision.DISMISS, None))
    assert await _add(engine, _new(script, reporter))


async def test_counts_and_the_oldest_of_a_reporters_window(engine: AsyncEngine) -> None:
    reporter = await _user(engine)
    for hours in (30, 20, 10):
        await _add(engine, _new(await _script(engine), reporter, T0 - timedelta(hours=hours)))

    async with _uow(engine) as uow:
        count = await uow.reports.count_filed_since(reporter.id, T0 - timedelta(hours=24))
        oldest = await uow.reports.oldest_filed_since(reporter.id, T0 - timedelta(hours=24))
        none = await uow.reports.oldest_filed_since(reporter.id, T0)

    assert (count, oldest, none) == (2, T0 - timedelta(hours=20), None)


async def test_pages_in_both_orders_with_filters(engine: AsyncEngine) -> None:
    script = await _script(engine)
    new = [
        _new(script, await _user(engine), T0 + timedelta(minutes=n), reason)
        for n, reason in enumerate(
            [ReportReason.SPAM, ReportReason.MALWARE, ReportReason.SPAM, ReportReason.SPAM]
        )
    ]
    for report in new:
        await _add(engine, report)
    await _resolve(engine, new[3].id, _resolution())
    spam_open = [new[0].id, new[2].id]

    async with _uow(engine) as uow:
        newest = await uow.reports.search(ReportQuery(limit=10, script_id=script.id))
        oldest = await uow.reports.search(
            ReportQuery(limit=1, script_id=script.id, oldest_first=True)
        )
        after = Keyset(oldest[0].created_at, oldest[0].id)
        following = await uow.reports.search(
            ReportQuery(limit=10, script_id=script.id, oldest_first=True, after=after)
        )
        filtered = await uow.reports.search(
            ReportQuery(
                limit=10,
                script_id=script.id,
                status=ReportStatus.OPEN,
                reason=ReportReason.SPAM,
                oldest_first=True,
            )
        )
        before = await uow.reports.search(
            ReportQuery(limit=10, script_id=script.id, after=Keyset(new[2].created_at, new[2].id))
        )

    assert [r.id for r in newest] == [r.id for r in reversed(new)]
    assert [r.id for r in oldest + following] == [r.id for r in new]
    assert [r.id for r in filtered] == spam_open
    assert [r.id for r in before] == [new[1].id, new[0].id]


async def test_a_rebuttal_is_set_once_and_only_while_open(engine: AsyncEngine) -> None:
    script = await _script(engine)
    first, second = _new(script, await _user(engine)), _new(script, await _user(engine))
    await _add(engine, first)
    await _add(engine, second)
    await _resolve(engine, second.id, _resolution(Decision.DISMISS, None))

    async def rebut(report_id: uuid.UUID, text: str) -> bool:
        async with _uow(engine) as uow:
            rebutted = await uow.reports.rebut(report_id, text, T0)
            await uow.commit()
        return rebutted is not None

    at_once = await asyncio.gather(*(rebut(first.id, f"answer {n}") for n in range(4)))
    resolved = await rebut(second.id, "late")

    assert sorted(at_once) == [False, False, False, True]
    assert not resolved
    async with _uow(engine) as uow:
        report = await uow.reports.get(first.id)
    assert report is not None
    assert report.rebuttal is not None
    assert report.rebuttal.startswith("answer")
    assert report.rebutted_at == T0


async def test_of_resolutions_at_once_one_wins_and_reads_back(engine: AsyncEngine) -> None:
    script = await _script(engine)
    new = _new(script, await _user(engine))
    await _add(engine, new)
    resolutions = [
        _resolution(Decision.DISMISS, None),
        _resolution(action=ModerationAction.DELETE, mode=TakedownMode.BLANK),
        _resolution(action=ModerationAction.UNLIST),
    ]

    won = await asyncio.gather(*(_resolve(engine, new.id, r) for r in resolutions))

    assert sorted(won) == [False, False, True]
    winner = resolutions[won.index(True)]
    async with _uow(engine) as uow:
        report = await uow.reports.get(new.id)
    assert report is not None
    assert report.resolution == winner
    assert report.status is winner.decision.status


async def test_the_log_holds_upheld_reports_newest_resolution_first(engine: AsyncEngine) -> None:
    script = await _script(engine)
    new = [_new(script, await _user(engine)) for _ in range(3)]
    for report in new:
        await _add(engine, report)
    # Past whatever other tests (and earlier runs) on this database resolved.
    later = datetime.now(UTC) + timedelta(days=3650)
    await _resolve(engine, new[0].id, _resolution(at=later))
    await _resolve(engine, new[1].id, _resolution(Decision.DISMISS, None, at=later))
    await _resolve(engine, new[2].id, _resolution(at=later + timedelta(seconds=1)))

    async with _uow(engine) as uow:
        first = await uow.reports.resolved_page(None, 1)
        rest = await uow.reports.resolved_page(Keyset(later + timedelta(seconds=1), new[2].id), 1)

    assert [r.id for r in first + rest] == [new[2].id, new[0].id]


async def test_an_unlisting_locks_the_visibility_until_released(engine: AsyncEngine) -> None:
    script = await _script(engine)
    other = await _script(engine)
    new = _new(script, await _user(engine))
    await _add(engine, new)
    await _resolve(engine, new.id, _resolution(action=ModerationAction.UNLIST), locks=True)

    async with _uow(engine) as uow:
        locked = await uow.reports.visibility_locked(script.id)
        unrelated = await uow.reports.visibility_locked(other.id)
        await uow.reports.release_visibility_lock(script.id, T0)
        await uow.commit()
    async with _uow(engine) as uow:
        released = await uow.reports.visibility_locked(script.id)

    assert (locked, unrelated, released) == (True, False, False)


async def test_reports_of_a_deleted_script_still_read_with_its_name(engine: AsyncEngine) -> None:
    script = await _script(engine)
    reporter = await _user(engine)
    new = _new(script, reporter)
    await _add(engine, new)
    async with _uow(engine) as uow:
        assert await uow.scripts.delete(script.id, T0)
        await uow.commit()

    async with _uow(engine) as uow:
        mine = await uow.reports.search(ReportQuery(limit=10, reporter_id=reporter.id))

    assert [(r.id, r.script_name) for r in mine] == [(new.id, script.name)]


async def test_filing_keeps_working_once_the_statement_is_planned_generically(
    engine: AsyncEngine,
) -> None:
    """PostgreSQL plans a prepared statement generically after five runs: the ON CONFLICT's
    predicate must still be seen to be the partial index's (a literal, not a parameter)."""
    script = await _script(engine)
    for _ in range(8):
        reporter = await _user(engine)
        assert await _add(engine, _new(script, reporter))
        assert not await _add(engine, _new(script, reporter))
