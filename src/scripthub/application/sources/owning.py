"""What every owner's route of a source shares: the caller's own script."""

from __future__ import annotations

import uuid

from scripthub.application.accounts import Principal
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.access import may_see, require_token_covers
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import DomainError, NotFoundError
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


async def still_owned(uow: UnitOfWork, script: Script, owner_id: uuid.UUID) -> Script | None:
    """After `owned_script`, before a write: lock the script as every change of its
    co-authors and owner does (`ScriptAuthorRepository.hold_script`) and read it again, so
    that an ownership transfer accepted meanwhile is seen. The script if `owner_id` still
    owns it; else None, and the caller writes nothing (see `lost_script_error`)."""
    if not await uow.script_authors.hold_script(script.id):
        return None
    now_as = await uow.scripts.get(script.id)
    return now_as if now_as is not None and now_as.owner_id == owner_id else None


async def lost_script_error(
    uow_factory: UnitOfWorkFactory,
    authorizer: Authorizer,
    principal: Principal,
    script_id: uuid.UUID,
    context: RequestContext,
) -> DomainError:
    """For a caller `still_owned` refused, once their transaction let the script go (SQLite
    has one writer at a time): the error `owned_script` gives now (a refusal audited)."""
    try:
        async with uow_factory() as uow:
            await owned_script(uow, authorizer, principal, script_id, context)
    except DomainError as error:
        return error
    return NotFoundError("Script not found.")  # pragma: no cover - the script changed hands
