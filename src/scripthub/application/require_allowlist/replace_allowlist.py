"""Replace the whole `@require`/`@resource` allow-list, as a moderator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scripthub.application.accounts import Actor
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.require_policy import check_patterns
from scripthub.domain.roles import SCRIPTS_MODERATE


@dataclass(frozen=True)
class ReplaceRequireAllowlistCommand:
    actor: Actor
    patterns: Sequence[str]
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class ReplaceRequireAllowlist:
    """Needs `scripts.moderate`. Every pattern is checked (`check_patterns`: a
    ValidationError names each bad or repeated one, `patterns[2]`) and stored in its
    normalized form, in the order given; the whole list is replaced in one transaction that
    holds the list's lock, audited `require_allowlist.updated` with `metadata.before` and
    `metadata.after` (so two replacements at once are audited one after the other, each
    `before` the other's `after`). Sending the list it holds changes nothing and is not
    audited. Versions already published are not checked again.
    """

    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    clock: Clock

    async def execute(self, command: ReplaceRequireAllowlistCommand) -> tuple[str, ...]:
        await self.authorizer.require(
            command.actor, SCRIPTS_MODERATE, command.context, resource_type="require_allowlist"
        )
        patterns = check_patterns(command.patterns)
        async with self.uow_factory() as uow:
            before = await uow.require_allowlist.hold()
            if before == patterns:
                return patterns
            await uow.require_allowlist.replace(patterns, self.clock.now())
            await uow.audit.record(
                audit_entry(
                    self.clock,
                    "require_allowlist.updated",
                    command.context,
                    actor_id=command.actor.user_id,
                    resource_type="require_allowlist",
                    metadata={"before": list(before), "after": list(patterns)},
                )
            )
            await uow.commit()
        return patterns
