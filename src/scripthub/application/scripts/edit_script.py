"""Change a script's name, slug, description, language, license, visibility or tags."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from scripthub.application.accounts import Actor, hold_active_account
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.latest_code import LatestCodeCache
from scripthub.application.ports.scripts import UNCHANGED, ScriptChanges
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.access import cache_names, load_visible_script
from scripthub.application.scripts.changing import (
    changed_fields,
    differing_changes,
    script_change_entry,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    FieldProblem,
    NotFoundError,
    SlugTakenError,
    ValidationError,
    VisibilityLockedError,
)
from scripthub.domain.roles import SCRIPTS_CREATE, SCRIPTS_MODERATE, SCRIPTS_UPDATE_ANY
from scripthub.domain.scripts import (
    Script,
    Visibility,
    check_description,
    check_license,
    check_name,
    check_slug,
    normalize_tags,
)

OWNER_FIELDS: Final = frozenset({"slug", "visibility"})
"""What only the owner (or a holder of `scripts.update_any`) changes; co-authors edit the
rest."""

_CHECKS: Final[dict[str, Callable[[Any], Any]]] = {
    "name": check_name,
    "slug": check_slug,
    "description": check_description,
    "license": check_license,
    "tags": normalize_tags,
}


@dataclass(frozen=True)
class EditScriptCommand:
    actor: Actor
    script_id: uuid.UUID
    changes: ScriptChanges
    """The fields as the client sent them: checked and normalized by the use case."""
    context: RequestContext = RequestContext()


def checked_changes(changes: ScriptChanges) -> ScriptChanges:
    """The changes checked and normalized; a ValidationError naming every bad field."""
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        value = getattr(changes, name)
        if value is UNCHANGED:
            continue
        try:
            values[name] = check(value)
        except ValidationError as error:
            problems.extend(error.problems)
    if problems:
        raise ValidationError(problems)
    return dataclasses.replace(changes, **values)


class EditScript:
    """The owner, a co-author (all but `OWNER_FIELDS`, else ForbiddenError, audited) or a
    holder of `scripts.update_any` changes the fields they send; each must also hold
    `scripts.create` (checked after who they are, so a stranger's 403 names
    `scripts.update_any`).

    Only fields whose value changes are written (column by column, on a script that is still
    live: a concurrent deletion wins and the edit is a NotFoundError) and audited as
    `script.updated` with their names in `metadata.fields`; an edit that changes nothing
    writes and audits nothing. Who may is checked again on the script as written: a co-author
    removed meanwhile, or an owner whose offer of the script was accepted meanwhile (a
    co-author now, changing `OWNER_FIELDS`), changes nothing (ForbiddenError, audited).

    A script that moderation unlisted (a report upheld with `unlist`) is made public again
    only by a holder of `scripts.moderate`, which lifts that lock; for anyone else it is a
    VisibilityLockedError (409).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        latest_code: LatestCodeCache,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._latest_code = latest_code
        self._clock = clock

    async def execute(self, command: EditScriptCommand) -> Script:
        requested = checked_changes(command.changes)
        removed: Script | None = None
        async with self._uow_factory() as uow:
            script = await load_visible_script(uow, str(command.script_id), command.actor)
            co_author = script.co_authored_by(command.actor.user_id)
            if not co_author:
                await self._authorizer.require_owner_or(
                    command.actor,
                    script.owner_id,
                    SCRIPTS_UPDATE_ANY,
                    command.context,
                    resource_type="script",
                    resource_id=script.id,
                )
            await self._authorizer.require(
                command.actor,
                SCRIPTS_CREATE,
                command.context,
                resource_type="script",
                resource_id=script.id,
            )
            changes = differing_changes(requested, script)
            fields = changed_fields(changes)
            if not fields:
                return script
            limited = co_author and not command.actor.may(SCRIPTS_UPDATE_ANY.name)
            if limited:
                await self._owner_fields(command, script, fields)
            if changes.slug is not UNCHANGED and await uow.scripts.slug_in_use(
                changes.slug, excluding=script.id
            ):
                raise SlugTakenError("This slug is taken by another script.")
            await hold_active_account(uow, command.actor)
            now = self._clock.now()
            edited = await uow.scripts.edit(script.id, changes, now)
            if edited is None:
                raise NotFoundError("Script not found.")
            if limited and not edited.may_publish(command.actor.user_id):
                removed = edited  # removed while editing: the write is rolled back
            elif not co_author and _owner_no_longer(command.actor, edited, fields):
                removed = edited  # their offer accepted while editing: likewise
            if changes.visibility is Visibility.PUBLIC:
                # After the write, which waited for any concurrent one to the script: an
                # unlisting that committed meanwhile is seen here.
                await _publicly_visible_again(uow, command.actor, script, now)
            await uow.audit.record(
                script_change_entry(
                    self._clock,
                    "script.updated",
                    command.context,
                    command.actor,
                    script,
                    {"fields": fields},
                )
            )
            if removed is None:
                await uow.commit()
        if removed is not None:  # audited once the transaction let the script go
            if removed.co_authored_by(command.actor.user_id):
                await self._owner_fields(command, removed, fields)
            await self._authorizer.require_owner_or(
                command.actor,
                removed.owner_id,
                SCRIPTS_UPDATE_ANY,
                command.context,
                resource_type="script",
                resource_id=removed.id,
            )
            raise NotFoundError("Script not found.")  # pragma: no cover - denied above
        await self._latest_code.changed(cache_names(script, edited))
        return edited

    async def _owner_fields(
        self, command: EditScriptCommand, script: Script, fields: list[str]
    ) -> None:
        """A co-author edits the metadata; the slug (the script's URLs) and the visibility
        stay the owner's (ForbiddenError, audited)."""
        if set(fields) & OWNER_FIELDS:
            await self._authorizer.require_owner(
                command.actor,
                script.owner_id,
                command.context,
                resource_type="script",
                resource_id=script.id,
            )


def _owner_no_longer(actor: Actor, edited: Script, fields: list[str]) -> bool:
    """Whether an edit allowed to the owner finds, once it wrote the script, that they own it
    no more (an offer of theirs accepted meanwhile): as a co-author they change no
    `OWNER_FIELDS`, and as nobody nothing."""
    if edited.owner_id == actor.user_id or actor.may(SCRIPTS_UPDATE_ANY.name):
        return False
    return not edited.co_authored_by(actor.user_id) or bool(set(fields) & OWNER_FIELDS)


async def _publicly_visible_again(
    uow: UnitOfWork, actor: Actor, script: Script, now: datetime
) -> None:
    """A moderator lifts the lock of an unlisting by moderation; anyone else meets it."""
    if actor.may(SCRIPTS_MODERATE.name):
        await uow.reports.release_visibility_lock(script.id, now)
    elif await uow.reports.visibility_locked(script.id):
        raise VisibilityLockedError(
            "Moderation unlisted this script after a report: only a moderator may make it "
            "public again."
        )
