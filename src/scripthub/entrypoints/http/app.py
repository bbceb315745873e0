"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.datastructures import State

from scripthub.domain.errors import DomainError, ServiceUnavailableError
from scripthub.domain.version_channels import Channel
from scripthub.entrypoints.containers import Container, build_container, close_container
from scripthub.entrypoints.http.controllers.access_tokens import AccessTokensController
from scripthub.entrypoints.http.controllers.audit import AuditController
from scripthub.entrypoints.http.controllers.auth import AuthController
from scripthub.entrypoints.http.controllers.email_change import EmailChangeController
from scripthub.entrypoints.http.controllers.feeds import FeedsController
from scripthub.entrypoints.http.controllers.moderation import (
    ModerationController,
    OwnReportsController,
    ReportsController,
    ScriptReportsController,
)
from scripthub.entrypoints.http.controllers.oauth import OAuthController, OwnProvidersController
from scripthub.entrypoints.http.controllers.passwords import PasswordsController
from scripthub.entrypoints.http.controllers.require_allowlist import RequireAllowlistController
from scripthub.entrypoints.http.controllers.roles import PermissionsController, RolesController
from scripthub.entrypoints.http.controllers.script_authors import (
    InvitationsController,
    OwnInvitationsController,
    ScriptAuthorsController,
)
from scripthub.entrypoints.http.controllers.script_changes import ScriptChangesController
from scripthub.entrypoints.http.controllers.script_code import (
    BETA_CODE_PATH,
    LATEST_CODE_PATH,
    CodeLane,
    ScriptCodeController,
)
from scripthub.entrypoints.http.controllers.scripts import OwnScriptsController, ScriptsController
from scripthub.entrypoints.http.controllers.sites import SitesController
from scripthub.entrypoints.http.controllers.sources import (
    GitHubWebhookController,
    OwnWebhookController,
    ScriptSourceController,
)
from scripthub.entrypoints.http.controllers.user_administration import (
    UserAdministrationController,
)
from scripthub.entrypoints.http.controllers.users import OWN_USER_PATH, OwnUserLane, UsersController
from scripthub.entrypoints.http.controllers.version_reviews import VersionReviewsController
from scripthub.entrypoints.http.dependencies import build_dependencies, with_use_cases
from scripthub.entrypoints.http.docs import PAGE_POLICIES, docs_router
from scripthub.entrypoints.http.forwarding import UntrustedForwardingWarning
from scripthub.entrypoints.http.health import (
    ReadinessCheck,
    check_liveness,
    probed,
    readiness_handler,
)
from scripthub.entrypoints.http.lanes import Lanes
from scripthub.entrypoints.http.metrics import forget_this_process, metrics_handler
from scripthub.entrypoints.http.openapi import correct_document_when_built, openapi_config
from scripthub.entrypoints.http.options import OptionsAnswers, allowed_methods
from scripthub.entrypoints.http.problems import EXCEPTION_HANDLERS
from scripthub.entrypoints.http.rate_limits import RateLimits, RateLimitTier, declared_tiers
from scripthub.entrypoints.http.requests import MAX_BODY_BYTES, JsonRequest
from scripthub.entrypoints.http.security_headers import SecurityHeaders
from scripthub.entrypoints.http.server_protocol import GuardedHttpProtocol
from scripthub.entrypoints.http.traffic import Traffic
from scripthub.entrypoints.install_flusher import flush_until
from scripthub.entrypoints.logs import configure_logging
from scripthub.entrypoints.mail_worker import (
    DispatcherWatch,
    MailGauges,
    dispatch_until,
)
from scripthub.entrypoints.outages import RequestOutages
from scripthub.entrypoints.settings import load_settings
from scripthub.entrypoints.sync_worker import SyncGauges, sync_until

DISPATCHER_STOP_SECONDS = 10.0
FLUSHER_STOP_SECONDS = 10.0
JSON_MEDIA_TYPES = ("application/json", "application/problem+json")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTROLLERS = (
    AuthController,
    OAuthController,
    OwnProvidersController,
    PasswordsController,
    UsersController,
    AccessTokensController,
    EmailChangeController,
    UserAdministrationController,
    RolesController,
    PermissionsController,
    AuditController,
    ScriptCodeController,
    FeedsController,
    ScriptChangesController,
    ScriptsController,
    OwnScriptsController,
    SitesController,
    ScriptSourceController,
    OwnWebhookController,
    GitHubWebhookController,
    RequireAllowlistController,
    ScriptReportsController,
    OwnReportsController,
    ReportsController,
    ModerationController,
    VersionReviewsController,
    ScriptAuthorsController,
    InvitationsController,
    OwnInvitationsController,
)

logger = logging.getLogger("scripthub.http")


class UnsupportedMediaTypeError(DomainError):
    code = "unsupported_media_type"


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """Bodies are JSON only; anything else is refused before it is parsed."""
    if request.method not in BODY_METHODS:
        return
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if has_body and media_type not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaTypeError("Send the body as application/json.")


def readiness_checks(
    container: Container,
    dispatcher: DispatcherWatch | None,
    sync_worker: DispatcherWatch | None = None,
) -> dict[str, ReadinessCheck]:
    adapters = container.adapters
    schema_probe = adapters.schema_probe()

    async def schema() -> str:
        try:
            return str(await schema_probe.state())
        except ServiceUnavailableError:
            return "error"

    checks = {
        "database": probed(adapters.database_health()),
        "cache": probed(adapters.cache_health()),
        "schema": schema,
    }
    if dispatcher is not None:

        async def mail_dispatcher() -> str:
            return str(dispatcher.status())

        checks["mail_dispatcher"] = mail_dispatcher
    if sync_worker is not None:

        async def source_sync() -> str:
            return str(sync_worker.status())

        checks["source_sync"] = source_sync
    return checks


def scrape_refresh(
    container: Container, dispatcher: DispatcherWatch | None, sync_worker: DispatcherWatch | None
) -> Callable[[], Awaitable[None]]:
    """What /metrics refreshes before each scrape: the mail gauges and the sync gauges."""
    mail, syncs = MailGauges(container, dispatcher), SyncGauges(container, sync_worker)

    async def refresh() -> None:
        await mail.refresh()
        await syncs.refresh()

    return refresh


def freeze_startup_heap() -> None:
    """Leave what a served process built at start-up (modules, the app and its routes, the
    container) out of every later garbage collection. A full collection walked it all, a
    pause of tens of milliseconds: the update checks' p99 under load fell from about 70 ms to
    about 12 ms (bench/README.md). Tests, which build many apps in one process, keep theirs
    collectable.

    Frozen without a collection first: that one walked the ~216,000 objects of the start-up
    heap to find about 700 unreachable ones, 0.16-0.19 s of CPU on every worker's way to its
    first answer (bench/README.md, start-up); those few are kept for good instead."""
    gc.freeze()
    gc.enable()  # off since the worker's first import (`http.worker`)


def create_app(container: Container | None = None) -> Litestar:
    """Build the API; tests pass their own container, servers build it from the environment."""
    served = container is None
    if container is None:
        settings = load_settings()
        # A served process (each worker runs this factory) logs through our formatter.
        configure_logging(production=settings.env == "production", level=settings.log_level)
        GuardedHttpProtocol.configure(settings)
        container = build_container(settings)
    settings = container.settings()
    logging.getLogger("scripthub").setLevel(settings.log_level)
    if settings.env == "production" and settings.metrics_token is None:
        logger.warning(
            "/metrics answers anyone who reaches this port: set SCRIPTHUB_METRICS_TOKEN "
            "to ask for a bearer token"
        )

    dispatcher: list[asyncio.Task[None]] = []
    in_process = settings.mail_dispatch == "in-process"
    watch = DispatcherWatch(container.adapters.clock()) if in_process else None
    limits = RateLimits(
        container.adapters.rate_limiter(),
        container.use_cases.authenticate_request(),
        api=settings.rate_limit_api,
        tiers={RateLimitTier.CREDENTIALS: settings.rate_limit_auth},
        trusted_proxies=settings.trusted_proxies,
        update_checks=settings.rate_limit_update_checks,
        update_checks_per_script=settings.rate_limit_update_checks_per_script,
    )

    stop_dispatching = asyncio.Event()
    syncing = settings.source_sync == "in-process"
    sync_watch = DispatcherWatch(container.adapters.clock()) if syncing else None
    flusher: list[asyncio.Task[None]] = []
    stop_flushing = asyncio.Event()

    async def on_startup() -> None:
        if served:
            freeze_startup_heap()
        if watch is not None:
            task = asyncio.create_task(dispatch_until(container, stop_dispatching, watch))
            watch.watch(task)
            dispatcher.append(task)
        if sync_watch is not None:
            task = asyncio.create_task(sync_until(container, stop_dispatching, sync_watch))
            sync_watch.watch(task)
            dispatcher.append(task)
        flush = container.use_cases.flush_installs()
        flusher.append(asyncio.create_task(flush_until(flush, stop_flushing)))

    async def on_shutdown() -> None:
        stop_dispatching.set()
        stop_flushing.set()
        for task in flusher:
            # The flush under way and a last one write what this process counted; a database
            # slower than this is cut off, and the counts wait in the counter for another.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, FLUSHER_STOP_SECONDS)
        for task in dispatcher:
            # Let the batch under way finish; a mail server slower than this is cut off
            # (wait_for cancels the task), and its mail goes out again after the lease.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, DISPATCHER_STOP_SECONDS)
        await close_container(container)
        forget_this_process()

    app = Litestar(
        route_handlers=[
            *(with_use_cases(controller, container) for controller in CONTROLLERS),
            check_liveness,
            readiness_handler(readiness_checks(container, watch, sync_watch)),
            metrics_handler(settings.metrics_token, scrape_refresh(container, watch, sync_watch)),
            docs_router(),
        ],
        dependencies=build_dependencies(container),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=require_json_body,
        middleware=[limits.gate],
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_origin_regex=settings.cors_origin_pattern,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=[
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
                "Retry-After",
                "WWW-Authenticate",
                "X-Request-ID",
            ],
            # The OAuth exchange needs its browser's cookie; no other route reads cookies. With
            # `*` (never in production) Litestar would echo any origin to a cookie-bearing call.
            allow_credentials="*" not in settings.cors_origins,
        ),
        openapi_config=openapi_config(),
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=None,  # `configure_logging` (or the test) owns the handlers
        request_class=JsonRequest,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"container": container, "mail_dispatcher": watch}),
    )
    declared_tiers(app)  # an unknown tier stops start-up here, not at the route's first request
    lanes = Lanes(
        OptionsAnswers(app.asgi_handler, allowed_methods(app)),
        app,
        {
            LATEST_CODE_PATH: CodeLane(
                container.use_cases.read_script_code(), limits, settings.trusted_proxies
            ),
            BETA_CODE_PATH: CodeLane(
                container.use_cases.read_script_code(),
                limits,
                settings.trusted_proxies,
                Channel.BETA,
            ),
            OWN_USER_PATH: OwnUserLane(
                limits,
                container.use_cases.authenticate_request(),
                container.use_cases.get_own_user(),
            ),
        },
    )
    secured = SecurityHeaders(
        Traffic(
            lanes,
            limits,
            RequestOutages(logging.getLogger("scripthub.http")),
            trusted_proxies=settings.trusted_proxies,
        ),
        production=settings.env == "production",
        trusted_proxies=settings.trusted_proxies,
        page_policies=PAGE_POLICIES,
    )
    app.asgi_handler = secured if settings.trusted_proxies else UntrustedForwardingWarning(secured)
    correct_document_when_built(app)
    return app
