"""What the use cases that change a script share: finding it and asking who may."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from scripthub.application.accounts import Actor
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.scripts import UNCHANGED, ScriptChanges
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.scripts.access import load_visible_script
from scripthub.domain.audit import AuditEntry, RequestContext
from scripthub.domain.roles import Permission
from scripthub.domain.scripts import Script


async def load_script_to_change(
    uow: UnitOfWork,
    authorizer: Authorizer,
    actor: Actor,
    script_id: uuid.UUID,
    permission: Permission,
    context: RequestContext,
) -> Script:
    """The script, if the actor may see it (else NotFoundError, before any permission
    check: a private script is not found, never forbidden) and owns it or holds
    `permission` (else ForbiddenError, audited as `access.denied`)."""
    script = await load_visible_script(uow, str(script_id), actor)
    await authorizer.require_owner_or(
        actor, script.owner_id, permission, context, resource_type="script", resource_id=script.id
    )
    return script


def script_change_entry(
    clock: Clock,
    action: str,
    context: RequestContext,
    actor: Actor,
    script: Script,
    metadata: dict[str, Any] | None = None,
) -> AuditEntry:
    """The audit entry of a change to `script`; one by someone other than its owner (a
    moderator, the operator) names the owner in `metadata.owner_id`."""
    on_behalf = {} if actor.user_id == script.owner_id else {"owner_id": str(script.owner_id)}
    return audit_entry(
        clock,
        action,
        context,
        actor_id=actor.user_id,
        resource_type="script",
        resource_id=script.id,
        metadata={**(metadata or {}), **on_behalf},
    )


def differing_changes(changes: ScriptChanges, script: Script) -> ScriptChanges:
    """Only the fields whose value would change; the others `UNCHANGED`."""
    return dataclasses.replace(
        changes,
        **{
            field.name: UNCHANGED
            for field in dataclasses.fields(changes)
            if getattr(changes, field.name) == getattr(script, field.name)
        },
    )


def changed_fields(changes: ScriptChanges) -> list[str]:
    """The names of the fields `changes` sets, sorted."""
    return sorted(
        field.name
        for field in dataclasses.fields(changes)
        if getattr(changes, field.name) is not UNCHANGED
    )
