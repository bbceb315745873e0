"""What every change of an account's status between active and suspended does, whoever
asks for it (an administrator, a moderator upholding a report): sessions and tokens end with
a suspension, and the account's scripts are hidden (see `Script.seen_as`) or shown again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.application.roles.safeguards import keeping_roles_manageable
from scripthub.application.scripts.access import cache_names
from scripthub.domain.access_tokens import AccessToken
from scripthub.domain.errors import ValidationError
from scripthub.domain.scripts import ScriptName
from scripthub.domain.users import AccountStatus


@dataclass(frozen=True)
class StatusChange:
    user_id: uuid.UUID
    previous: AccountStatus
    status: AccountStatus
    changed: bool
    """False if the account was not in `previous` (any more): nothing was staged."""
    scripts: list[ScriptName]


async def stage_status_change(
    uow: UnitOfWork,
    session_ending: SessionEnding,
    user_id: uuid.UUID,
    status: AccountStatus,
    now: datetime,
) -> StatusChange:
    """Stage the change in `uow`, only from the other live status (never out of deleted,
    whatever committed since the caller looked); a ConflictError if it would leave no active
    user with `roles.manage`. A suspension revokes the account's personal access tokens for
    good (reactivation does not revive them). The caller audits, commits, then calls
    `status_changed`."""
    if status is AccountStatus.DELETED:
        raise ValidationError.single("account_status", "must be active or suspended")
    previous = (
        AccountStatus.ACTIVE if status is AccountStatus.SUSPENDED else AccountStatus.SUSPENDED
    )
    changed = await keeping_roles_manageable(
        uow, lambda: uow.users.change_status(user_id, status, now, only_from=(previous,))
    )
    scripts = await uow.scripts.names_owned_by(user_id)
    if changed:
        revoked_tokens: list[AccessToken] = []
        if status is AccountStatus.SUSPENDED:
            revoked_tokens = await uow.access_tokens.revoke_all(user_id, now)
        await session_ending.before_commit(user_id, revoked_tokens=revoked_tokens)
    return StatusChange(user_id, previous, status, changed, scripts)


async def status_changed(
    change: StatusChange, session_ending: SessionEnding, latest_code: LatestCodeCache
) -> None:
    """After the commit (also when nothing changed: a retry after a store outage still tidies
    the stores): end the sessions in the store, and forget the cached validators of the
    account's scripts, which must not answer update checks while they are hidden, nor keep
    them hidden once the account is active again."""
    await session_ending.after_commit(change.user_id)
    await latest_code.changed(cache_names(*change.scripts))
