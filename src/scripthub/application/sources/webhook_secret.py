"""One's GitHub webhook: where GitHub delivers, and its secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.sources import WebhookSecret
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.webhooks import new_nonce, secret_hint, webhook_secret


@dataclass(frozen=True)
class WebhookEndpoint:
    """`webhook_url(user_id)` is the payload URL GitHub is given; `key` derives secrets."""

    public_url: str
    key: bytes

    def url_for(self, user_id: uuid.UUID) -> str:
        return f"{self.public_url.rstrip('/')}/api/webhooks/github/{user_id}"


@dataclass(frozen=True)
class WebhookView:
    url: str
    secret_hint: str | None
    created_at: datetime | None
    secret: str | None = None
    """Only when it was just made."""


@dataclass(frozen=True)
class ShowWebhookQuery:
    principal: Principal


@dataclass(frozen=True)
class ShowWebhook:
    """The caller's payload URL, and the end of their secret (None before one is made)."""

    uow_factory: UnitOfWorkFactory
    endpoint: WebhookEndpoint

    async def execute(self, query: ShowWebhookQuery) -> WebhookView:
        user_id = query.principal.user_id
        async with self.uow_factory() as uow:
            secret = await uow.webhooks.secret_of(user_id)
        url = self.endpoint.url_for(user_id)
        if secret is None:
            return WebhookView(url, None, None)
        return WebhookView(url, secret.hint, secret.created_at)


@dataclass(frozen=True)
class NewWebhookSecretCommand:
    principal: Principal
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class NewWebhookSecret:
    """A new secret for the caller's webhook, shown once (audited `webhook.secret_set`): the
    one before stops working at once, so GitHub's setting is to change with it."""

    uow_factory: UnitOfWorkFactory
    endpoint: WebhookEndpoint
    clock: Clock

    async def execute(self, command: NewWebhookSecretCommand) -> WebhookView:
        user_id = command.principal.user_id
        nonce = new_nonce()
        secret = webhook_secret(self.endpoint.key, user_id, nonce)
        now = self.clock.now()
        async with self.uow_factory() as uow:
            await uow.webhooks.set_secret(WebhookSecret(user_id, nonce, secret_hint(secret), now))
            await uow.audit.record(
                audit_entry(
                    self.clock,
                    "webhook.secret_set",
                    command.context,
                    actor_id=user_id,
                    resource_type="user",
                    resource_id=user_id,
                )
            )
            await uow.commit()
        return WebhookView(self.endpoint.url_for(user_id), secret_hint(secret), now, secret)
