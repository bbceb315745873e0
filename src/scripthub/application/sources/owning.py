"""What every owner's route of a source shares: the caller's own script."""

from __future__ import annotations

import uuid

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.scripts.access import may_see, require_token_covers
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Script


async def owned_script(
    uow: UnitOfWork,
    authorizer: Authorizer,
    principal: Principal,
    script_id: uuid.UUID,
    context: RequestContext,
) -> Script:
    """The live script, if the caller may see it (else NotFoundError), their token covers it
    (else TokenScopeError) and they own it (else ForbiddenError, audited): a source publishes
    as its owner, as the owner alone may publish."""
    script = await uow.scripts.get(script_id)
    if script is None or not may_see(script, principal):
        raise NotFoundError("Script not found.")
    require_token_covers(script, principal)
    await authorizer.require_owner(
        principal, script.owner_id, context, resource_type="script", resource_id=script.id
    )
    return script
