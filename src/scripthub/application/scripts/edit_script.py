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
from scripthub.application.scripts.access import cache_names
from scripthub.application.scripts.changing import (
    changed_fields,
    differing_changes,
    load_script_to_change,
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
    """The owner, or a holder of `scripts.update_any`, changes the fields they send; either
    must also hold `scripts.create` (checked after who they are, so a stranger's 403 names
    `scripts.update_any`).

    Only fields whose value changes are written (column by column, on a script that is still
    live: a concurrent deletion wins and the edit is a NotFoundError) and audited as
    `script.updated` with their names in `metadata.fields`; an edit that changes nothing
    writes and audits nothing.

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
        async with self._uow_factory() as uow:
            script = await load_script_to_change(
                uow,
                self._authorizer,
                command.actor,
                command.script_id,
                SCRIPTS_UPDATE_ANY,
                command.context,
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
            if changes.slug is not UNCHANGED and await uow.scripts.slug_in_use(
                changes.slug, excluding=script.id
            ):
                raise SlugTakenError("This slug is taken by another script.")
            await hold_active_account(uow, command.actor)
            now = self._clock.now()
            edited = await uow.scripts.edit(script.id, changes, now)
            if edited is None:
                raise NotFoundError("Script not found.")
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
            await uow.commit()
        await self._latest_code.changed(cache_names(script, edited))
        return edited


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
