"""May this actor do this? Every "no" is a ForbiddenError and an `access.denied` entry."""

from __future__ import annotations

import uuid

from scripthub.application.accounts import Actor
from scripthub.application.audit.recording import audit_entry, record_alone
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import Outcome, RequestContext
from scripthub.domain.errors import ForbiddenError
from scripthub.domain.roles import Permission
from scripthub.domain.scripts import Script


class Authorizer:
    """Use cases ask it before acting: `require` ("holds this permission"),
    `require_owner_or` ("owns the resource, or holds this permission", e.g. editing a script)
    `require_owner` ("owns the resource", whatever else they hold: managing co-authors) and
    `require_author` ("owns or co-authors the script": publishing a version).
    HTTP guards ask it too, as a cheap first filter; the use case's check is the one that
    holds for every caller (HTTP, CLI, tests).

    Denials are recorded in a transaction of their own, so they survive the rollback of
    whatever the caller was attempting.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def require(
        self,
        actor: Actor,
        permission: Permission,
        context: RequestContext,
        *,
        resource_type: str | None = None,
        resource_id: object | None = None,
    ) -> None:
        if not actor.may(permission.name):
            await self._deny(actor, permission, context, resource_type, resource_id)

    async def require_owner_or(
        self,
        actor: Actor,
        owner_id: uuid.UUID,
        permission: Permission,
        context: RequestContext,
        *,
        resource_type: str | None = None,
        resource_id: object | None = None,
    ) -> None:
        if actor.user_id != owner_id and not actor.may(permission.name):
            await self._deny(actor, permission, context, resource_type, resource_id)

    async def require_owner(
        self,
        actor: Actor,
        owner_id: uuid.UUID,
        context: RequestContext,
        *,
        resource_type: str | None = None,
        resource_id: object | None = None,
    ) -> None:
        """Only the owner passes; the denial is audited with `metadata.requires: owner`."""
        if actor.user_id != owner_id:
            await self._record_denial(
                actor, {"requires": "owner"}, context, resource_type, resource_id
            )
            raise ForbiddenError("Only the owner may do this.")

    async def require_author(
        self,
        actor: Actor,
        script: Script,
        context: RequestContext,
    ) -> None:
        """Only the script's owner and its co-authors pass (publishing a version, editing
        metadata); the denial is audited with `metadata.requires: author`."""
        if not script.may_publish(actor.user_id):
            await self._record_denial(actor, {"requires": "author"}, context, "script", script.id)
            raise ForbiddenError("Only the script's owner and co-authors may do this.")

    async def _deny(
        self,
        actor: Actor,
        permission: Permission,
        context: RequestContext,
        resource_type: str | None,
        resource_id: object | None,
    ) -> None:
        metadata = {"permission": permission.name}
        await self._record_denial(actor, metadata, context, resource_type, resource_id)
        raise ForbiddenError(f"This needs the '{permission.name}' permission.")

    async def _record_denial(
        self,
        actor: Actor,
        metadata: dict[str, str],
        context: RequestContext,
        resource_type: str | None,
        resource_id: object | None,
    ) -> None:
        entry = audit_entry(
            self._clock,
            "access.denied",
            context,
            actor_id=actor.user_id,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome=Outcome.DENIED,
            metadata=metadata,
        )
        await record_alone(self._uow_factory(), entry)
