"""/api/scripts/{id}/source: a script's source and its syncs; /api/users/me/webhook: one's
GitHub webhook; /api/webhooks/github/{user_id}: where GitHub delivers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from scripthub.application.accounts import Principal
from scripthub.application.sources.get_source import GetSource, GetSourceQuery
from scripthub.application.sources.receive_github_delivery import (
    GitHubDelivery,
    ReceiveGitHubDelivery,
)
from scripthub.application.sources.remove_source import RemoveSource, RemoveSourceCommand
from scripthub.application.sources.request_sync import RequestSync, RequestSyncCommand
from scripthub.application.sources.set_source import SetSource, SetSourceCommand
from scripthub.application.sources.webhook_secret import (
    NewWebhookSecret,
    NewWebhookSecretCommand,
    ShowWebhook,
    ShowWebhookQuery,
)
from scripthub.domain.access_tokens import TokenScope
from scripthub.domain.audit import RequestContext
from scripthub.domain.webhooks import MAX_PAYLOAD_BYTES
from scripthub.entrypoints.http.auth import BEARER_SECURITY
from scripthub.entrypoints.http.body_problems import STRICT_BODY
from scripthub.entrypoints.http.paths import ScriptId, UserId, id_or_404
from scripthub.entrypoints.http.rate_limits import COUNTED_PER_ACCOUNT_IN_PATH
from scripthub.entrypoints.http.schemas.script_changes import strictly
from scripthub.entrypoints.http.schemas.sources import (
    DeliveryOut,
    NewWebhookSecretOut,
    SourceBody,
    SourceOut,
    SyncAccepted,
    WebhookOut,
    source_out,
    webhook_out,
)
from scripthub.entrypoints.http.token_routes import token_usable

SCRIPT = "Script"
_PUBLISH = token_usable(TokenScope.SCRIPTS_PUBLISH)


class ScriptSourceController(Controller):
    path = "/api/scripts/{id_or_slug:str}/source"
    tags = ("sources",)
    security = BEARER_SECURITY

    @put(
        summary="Link your script to a source (fetched once to check it)",
        opt={**_PUBLISH, STRICT_BODY: True},
    )
    async def set_source(
        self,
        id_or_slug: ScriptId,
        data: JSONBody[SourceBody],  # noqa: ARG002 - documents the body; read strictly below
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        set_source: NamedDependency[SetSource],
        context: NamedDependency[RequestContext],
    ) -> SourceOut:
        body = strictly(await request.json(), SourceBody)
        command = SetSourceCommand(
            principal, id_or_404(id_or_slug, SCRIPT), body.url, body.mode, context
        )
        return source_out(await set_source.execute(command))

    @get(summary="Your script's source and its last sync", opt=_PUBLISH)
    async def get_source(
        self,
        id_or_slug: ScriptId,
        principal: NamedDependency[Principal],
        get_source: NamedDependency[GetSource],
        context: NamedDependency[RequestContext],
    ) -> SourceOut:
        query = GetSourceQuery(principal, id_or_404(id_or_slug, SCRIPT), context)
        return source_out(await get_source.execute(query))

    @delete(summary="Unlink your script from its source", opt=_PUBLISH)
    async def remove_source(
        self,
        id_or_slug: ScriptId,
        principal: NamedDependency[Principal],
        remove_source: NamedDependency[RemoveSource],
        context: NamedDependency[RequestContext],
    ) -> None:
        command = RemoveSourceCommand(principal, id_or_404(id_or_slug, SCRIPT), context)
        await remove_source.execute(command)

    @post(
        "/sync",
        summary="Sync your script from its source now",
        status_code=HTTP_202_ACCEPTED,
        opt=_PUBLISH,
    )
    async def request_sync(
        self,
        id_or_slug: ScriptId,
        principal: NamedDependency[Principal],
        request_sync: NamedDependency[RequestSync],
        context: NamedDependency[RequestContext],
    ) -> SyncAccepted:
        command = RequestSyncCommand(principal, id_or_404(id_or_slug, SCRIPT), context)
        return SyncAccepted(await request_sync.execute(command))


class OwnWebhookController(Controller):
    path = "/api/users/me/webhook"
    tags = ("sources",)
    security = BEARER_SECURITY

    @get(summary="Your GitHub webhook's payload URL and the end of its secret")
    async def show_webhook(
        self,
        principal: NamedDependency[Principal],
        show_webhook: NamedDependency[ShowWebhook],
    ) -> WebhookOut:
        return webhook_out(await show_webhook.execute(ShowWebhookQuery(principal)))

    @post("/secret", summary="A new secret for your GitHub webhook (shown once)")
    async def new_webhook_secret(
        self,
        principal: NamedDependency[Principal],
        new_webhook_secret: NamedDependency[NewWebhookSecret],
        context: NamedDependency[RequestContext],
    ) -> NewWebhookSecretOut:
        view = await new_webhook_secret.execute(NewWebhookSecretCommand(principal, context))
        assert view.secret is not None  # noqa: S101 - a new secret is always shown
        return NewWebhookSecretOut(url=view.url, secret=view.secret)


class GitHubWebhookController(Controller):
    path = "/api/webhooks/github"
    tags = ("sources",)

    @post(
        "/{user_id:str}",
        summary="Where GitHub delivers an account's webhook (HMAC-signed)",
        description=(
            "X-Hub-Signature-256 is checked over the raw body before anything else (401 "
            "otherwise). `push` and `release` answer 202 with the syncs queued; `ping`, other "
            "events and a delivery id seen before answer 200 and queue nothing."
        ),
        request_max_body_size=MAX_PAYLOAD_BYTES,
        status_code=HTTP_202_ACCEPTED,
        opt=COUNTED_PER_ACCOUNT_IN_PATH,
    )
    async def receive_github_delivery(
        self,
        user_id: UserId,
        request: Request[Any, Any, Any],
        receive_github_delivery: NamedDependency[ReceiveGitHubDelivery],
    ) -> Response[DeliveryOut]:
        headers = request.headers
        delivery = GitHubDelivery(
            user_id=id_or_404(user_id, "User"),
            body=await request.body(),
            signature=headers.get("x-hub-signature-256"),
            event=headers.get("x-github-event"),
            delivery=headers.get("x-github-delivery"),
        )
        outcome = await receive_github_delivery.execute(delivery)
        status = HTTP_202_ACCEPTED if outcome.accepted else HTTP_200_OK
        return Response(DeliveryOut(outcome.sync_ids), status_code=status)
