"""May this principal do this? Every "no" is a ForbiddenError and an `access.denied` entry."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from scripthub.application.accounts import Principal
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.audit import Outcome, RequestContext
from scripthub.domain.errors import ForbiddenError


class Authorizer:
    """Permission checks for routes (`require`) and ownership rules for use cases
    (`require_owner_or`: "the owner, or whoever holds `scripts.update_any`").

    Denials are recorded in a transaction of their own, so they survive the rollback of
    whatever the caller was attempting.
    """

    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def require(
        self,
        principal: Principal,
        permission: str,
        context: RequestContext,
        *,
        resource_type: str | None = None,
        resource_id: object | None = None,
    ) -> None:
        if not principal.grants.allows(permission):
            await self._deny(principal, permission, context, resource_type, resource_id)

    async def require_owner_or(
        self,
        principal: Principal,
        owner_id: uuid.UUID,
        permission: str,
        context: RequestContext,
        *,
        resource_type: str | None = None,
        resource_id: object | None = None,
    ) -> None:
        if principal.user_id != owner_id and not principal.grants.allows(permission):
            await self._deny(principal, permission, context, resource_type, resource_id)

    async def _deny(
        self,
        principal: Principal,
        permission: str,
        context: RequestContext,
        resource_type: str | None,
        resource_id: object | None,
    ) -> None:
        entry = audit_entry(
            self._clock,
            "access.denied",
            context,
            actor_id=principal.user_id,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome=Outcome.DENIED,
            metadata={"permission": permission},
        )
        await record_alone(self._uow_factory(), entry)
        raise ForbiddenError(f"This needs the '{permission}' permission.")
