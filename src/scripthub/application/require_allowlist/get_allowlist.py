"""Read the `@require`/`@resource` allow-list, as a moderator."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.roles import SCRIPTS_MODERATE


@dataclass(frozen=True)
class GetRequireAllowlistCommand:
    actor: Actor
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class GetRequireAllowlist:
    """The patterns in their stored form and order; needs `scripts.moderate`."""

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer

    async def execute(self, command: GetRequireAllowlistCommand) -> tuple[str, ...]:
        await self.authorizer.require(
            command.actor, SCRIPTS_MODERATE, command.context, resource_type="require_allowlist"
        )
        async with self.uow_factory() as uow:
            allowlist = await uow.require_allowlist.current()
        return allowlist.patterns
