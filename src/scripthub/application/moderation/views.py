"""What every reading of reports shares: who may see the reporter."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.pagination import Page
from scripthub.domain.reports import Person, Report
from scripthub.domain.roles import SCRIPTS_MODERATE


@dataclass(frozen=True)
class ReportView:
    """A report as one caller sees it: `reporter` is None unless they hold
    `scripts.moderate` (the script's owner, and the reporter too, never see it: a mail, a
    listing or a log never names who reported)."""

    report: Report
    reporter: Person | None


def report_view(report: Report, actor: Actor) -> ReportView:
    return ReportView(report, report.reporter if actor.may(SCRIPTS_MODERATE.name) else None)


def page_view(page: Page[Report], actor: Actor) -> Page[ReportView]:
    return Page([report_view(report, actor) for report in page.items], page.next_cursor)


def may_know_of(report: Report, actor: Actor) -> bool:
    """Reports are not public: only the script's owner, the reporter and holders of
    `scripts.moderate` learn that one exists."""
    return actor.user_id in (report.script_owner_id, report.reporter.id) or actor.may(
        SCRIPTS_MODERATE.name
    )
