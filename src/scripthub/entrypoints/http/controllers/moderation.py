"""Reports and moderation: /api/scripts/{id}/reports (file, and a script's reports),
/api/users/me/reports, /api/reports/{id}/rebuttal and /resolve, and /api/moderation (the
moderators' queue, and the public log)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from scripthub.application.accounts import Principal
from scripthub.application.moderation.file_report import FileReport, FileReportCommand
from scripthub.application.moderation.list_own_reports import (
    ListOwnReports,
    ListOwnReportsQuery,
)
from scripthub.application.moderation.list_report_queue import (
    ListReportQueue,
    ListReportQueueQuery,
)
from scripthub.application.moderation.list_script_reports import (
    ListScriptReports,
    ListScriptReportsQuery,
)
from scripthub.application.moderation.moderation_log import (
    ReadModerationLog,
    ReadModerationLogQuery,
)
from scripthub.application.moderation.rebut_report import RebutReport, RebutReportCommand
from scripthub.application.moderation.resolve_report import (
    ResolveReport,
    ResolveReportCommand,
)
from scripthub.application.moderation.views import ReportView
from scripthub.application.pagination import Page
from scripthub.domain.audit import RequestContext
from scripthub.domain.reports import ReportReason, ReportStatus
from scripthub.domain.roles import SCRIPTS_MODERATE
from scripthub.entrypoints.http.auth import BEARER_SECURITY, requires
from scripthub.entrypoints.http.body_problems import STRICT_BODY
from scripthub.entrypoints.http.paths import PageSize, ScriptId, id_or_404
from scripthub.entrypoints.http.schemas.reports import (
    ModerationLogOut,
    ReasonName,
    RebuttalBody,
    ReportBody,
    ReportOut,
    ReportPageOut,
    ResolutionBody,
    StatusName,
    logged_action_out,
    report_out,
    resolution_parts,
)
from scripthub.entrypoints.http.schemas.script_changes import strictly

ReportId = Annotated[
    str,
    PathParameter(
        description="The report's id (anything else is 404)", schema_extra={"format": "uuid"}
    ),
]
REPORT = "Report"
_STRICT = {STRICT_BODY: True}


def _page(page: Page[ReportView]) -> ReportPageOut:
    return ReportPageOut([report_out(view) for view in page.items], page.next_cursor)


class ScriptReportsController(Controller):
    path = "/api/scripts/{id_or_slug:str}/reports"
    tags = ("moderation",)
    security = BEARER_SECURITY

    @post(
        summary="Report a script to the moderators",
        description=(
            "Needs a verified email. One open report per reporter and script (409), at most "
            "10 a day (429 `too_many_reports`); not one's own script (403)."
        ),
        status_code=HTTP_201_CREATED,
        opt=_STRICT,
    )
    async def file_report(
        self,
        id_or_slug: ScriptId,
        data: JSONBody[ReportBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        file_report: NamedDependency[FileReport],
        context: NamedDependency[RequestContext],
    ) -> ReportOut:
        body = strictly(await request.json(), ReportBody)
        command = FileReportCommand(
            principal,
            id_or_404(id_or_slug, "Script"),
            ReportReason(body.reason),
            body.details,
            body.version,
            context,
        )
        return report_out(await file_report.execute(command))

    @get(summary="A script's reports (its owner, or moderators: who also see the reporter)")
    async def list_script_reports(
        self,
        id_or_slug: ScriptId,
        principal: NamedDependency[Principal],
        list_script_reports: NamedDependency[ListScriptReports],
        context: NamedDependency[RequestContext],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> ReportPageOut:
        query = ListScriptReportsQuery(
            principal, id_or_404(id_or_slug, "Script"), cursor, limit, context
        )
        return _page(await list_script_reports.execute(query))


class OwnReportsController(Controller):
    path = "/api/users/me/reports"
    tags = ("moderation",)
    security = BEARER_SECURITY

    @get(summary="The reports you filed, newest first")
    async def list_own_reports(
        self,
        principal: NamedDependency[Principal],
        list_own_reports: NamedDependency[ListOwnReports],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> ReportPageOut:
        return _page(await list_own_reports.execute(ListOwnReportsQuery(principal, cursor, limit)))


class ReportsController(Controller):
    path = "/api/reports/{report_id:str}"
    tags = ("moderation",)
    security = BEARER_SECURITY

    @post(
        "/rebuttal",
        summary="Answer a report of your script (once, while it is open)",
        status_code=HTTP_200_OK,
        opt=_STRICT,
    )
    async def rebut_report(
        self,
        report_id: ReportId,
        data: JSONBody[RebuttalBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        rebut_report: NamedDependency[RebutReport],
        context: NamedDependency[RequestContext],
    ) -> ReportOut:
        body = strictly(await request.json(), RebuttalBody)
        command = RebutReportCommand(principal, id_or_404(report_id, REPORT), body.text, context)
        return report_out(await rebut_report.execute(command))

    @post(
        "/resolve",
        guards=[requires(SCRIPTS_MODERATE)],
        summary="Dismiss or uphold a report, with its action",
        status_code=HTTP_200_OK,
        opt=_STRICT,
    )
    async def resolve_report(
        self,
        report_id: ReportId,
        data: JSONBody[ResolutionBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        resolve_report: NamedDependency[ResolveReport],
        context: NamedDependency[RequestContext],
    ) -> ReportOut:
        body = strictly(await request.json(), ResolutionBody)
        decision, action, mode = resolution_parts(body)
        command = ResolveReportCommand(
            actor=principal,
            report_id=id_or_404(report_id, REPORT),
            decision=decision,
            action=action,
            mode=mode,
            redirect_to=body.redirect_to,
            note=body.note,
            context=context,
        )
        return report_out(await resolve_report.execute(command))


class ModerationController(Controller):
    path = "/api/moderation"
    tags = ("moderation",)

    @get(
        "/reports",
        guards=[requires(SCRIPTS_MODERATE)],
        summary="The moderators' queue of reports",
        security=BEARER_SECURITY,
    )
    async def list_report_queue(
        self,
        principal: NamedDependency[Principal],
        list_report_queue: NamedDependency[ListReportQueue],
        context: NamedDependency[RequestContext],
        status: FromQuery[StatusName | None] = None,
        reason: FromQuery[ReasonName | None] = None,
        sort: FromQuery[Literal["newest", "oldest"] | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> ReportPageOut:
        query = ListReportQueueQuery(
            principal=principal,
            status=None if status is None else ReportStatus(status),
            reason=None if reason is None else ReportReason(reason),
            oldest_first=sort == "oldest",
            cursor=cursor,
            limit=limit,
            context=context,
        )
        return _page(await list_report_queue.execute(query))

    @get("/log", summary="The public log of moderation actions, newest first")
    async def read_moderation_log(
        self,
        read_moderation_log: NamedDependency[ReadModerationLog],
        cursor: FromQuery[str | None] = None,
        limit: PageSize = 20,
    ) -> ModerationLogOut:
        page = await read_moderation_log.execute(ReadModerationLogQuery(cursor, limit))
        return ModerationLogOut([logged_action_out(e) for e in page.items], page.next_cursor)
