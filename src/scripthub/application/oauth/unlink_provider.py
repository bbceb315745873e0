"""Unlink a provider from one's own account."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import audit_entry
from scripthub.application.oauth.flows import configured_provider
from scripthub.application.ports.oauth import OAuthGateway
from scripthub.application.ports.provider_links import LinkRemoval
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import LastLoginMethodError, NotFoundError


@dataclass(frozen=True)
class UnlinkProviderCommand:
    principal: Principal
    provider: str
    context: RequestContext = RequestContext()


class UnlinkProvider:
    """Remove the caller's link to `provider` (NotFoundError if there is none), unless nothing
    else could sign in to the account then (LastLoginMethodError): audited
    `auth.provider_unlinked`. Concurrent unlinks of an account's last two methods leave one."""

    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: OAuthGateway, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._clock = clock

    async def execute(self, command: UnlinkProviderCommand) -> None:
        provider = configured_provider(self._gateway, command.provider)
        user_id = command.principal.user_id
        async with self._uow_factory() as uow:
            removal = await uow.provider_links.remove(user_id, provider)
            if removal is LinkRemoval.NOT_LINKED:
                raise NotFoundError(f"No {provider} identity is linked to this account.")
            if removal is LinkRemoval.LAST_METHOD:
                raise LastLoginMethodError(
                    "This is the only way to sign in to this account: set a password or link "
                    "another provider first."
                )
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "auth.provider_unlinked",
                    command.context,
                    actor_id=user_id,
                    resource_type="user",
                    resource_id=user_id,
                    metadata={"provider": str(provider)},
                )
            )
            await uow.commit()
