"""Publish a new script, with its first version."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass, field
from typing import TypeVar

from scripthub.application.accounts import Principal, hold_active_account
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.scripts.publishing import stage_version, version_published
from scripthub.application.scripts.publishing_gates import PublishingGates
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import NotFoundError, Problems, SlugTakenError, ValidationError
from scripthub.domain.roles import SCRIPTS_CREATE
from scripthub.domain.script_form import DeclaredFields
from scripthub.domain.script_versions import VersionDraft, draft_version
from scripthub.domain.scripts import (
    Language,
    Script,
    Visibility,
    check_description,
    check_license,
    check_name,
    check_slug,
    normalize_tags,
    numbered_slug,
    slugify,
)

SLUG_ATTEMPTS = 3
"""Transactions tried when concurrent creations take the slug this one picked."""
NUMBERED_SLUGS = 10
"""A derived slug tries `base`, then `base-2` to `base-10`, then a random number."""
_RANDOM_NUMBERS = 1_000_000


@dataclass(frozen=True)
class CreateScriptCommand:
    principal: Principal
    code: str
    name: str | None = None
    """Without it, the code's `@name` (likewise `description`, `license` and `language`)."""
    language: Language | None = None
    """Without it, `javascript` for a `==UserScript==` block, `css` for `==UserStyle==`."""
    version: str | None = None
    """Without it, the code's `@version`."""
    changelog: str | None = None
    slug: str | None = None
    """Without it, derived from the name and made unique."""
    description: str | None = None
    license: str | None = None
    """Without it, the code's `@license` if that is an SPDX expression."""
    visibility: Visibility = Visibility.PUBLIC
    tags: list[str] = field(default_factory=list)
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class _Fields:
    name: str
    description: str
    license: str | None
    language: Language
    tags: list[str]
    slug: str | None


class CreateScript:
    """A new script owned by the caller, published with its first version in one
    transaction (audited `script.created` and `script.version_published`).

    Every field's problems are reported at once; code past 2 MiB is refused first. A slug
    that is sent must be free (SlugTakenError); without one, the name's slug is taken, or
    the first free numbered one, and a creation that loses that slug to a concurrent one
    tries again with the next free one. The publishing gates (`PublishingGates`: a verified
    email, the `@require` allow-list, a new account's quota) are checked once the account is
    held.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        clock: Clock,
        gates: PublishingGates,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._clock = clock
        self._gates = gates

    async def execute(self, command: CreateScriptCommand) -> Script:
        if command.principal.token is not None:
            command.principal.token.require_all_scripts()
        await self._authorizer.require(command.principal, SCRIPTS_CREATE, command.context)
        # The code is read off the event loop: up to 2 MiB of it.
        fields, draft = await asyncio.to_thread(_checked, command)
        attempt = 1
        while True:
            try:
                return await self._create(command, fields, draft)
            except SlugTakenError:
                if fields.slug is not None or attempt == SLUG_ATTEMPTS:
                    raise
                attempt += 1

    async def _create(
        self, command: CreateScriptCommand, fields: _Fields, draft: VersionDraft
    ) -> Script:
        now = self._clock.now()
        actor_id = command.principal.user_id
        async with self._uow_factory() as uow:
            if fields.slug is None:
                slug = await _free_slug(uow, slugify(fields.name))
            elif await uow.scripts.slug_in_use(fields.slug):
                raise SlugTakenError("This slug is taken.")
            else:
                slug = fields.slug
            script = Script(
                id=uuid.uuid4(),
                owner_id=actor_id,
                slug=slug,
                name=fields.name,
                language=fields.language,
                created_at=now,
                updated_at=now,
                description=fields.description,
                license=fields.license,
                visibility=command.visibility,
                tags=fields.tags,
                localized=draft.declared.localized,
            )
            await hold_active_account(uow, command.principal)
            await self._gates.check(uow, actor_id, draft)
            await uow.scripts.add(script)
            version = await stage_version(uow, draft, script.id, None, now)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "script.created",
                    command.context,
                    actor_id=actor_id,
                    resource_type="script",
                    resource_id=script.id,
                    metadata={"slug": slug, "version": version.version},
                )
            )
            await uow.audit.record(
                version_published(self._clock, command.context, actor_id, version)
            )
            created = await uow.scripts.get(script.id)
            await uow.commit()
        if created is None:  # pragma: no cover - it was added in this very transaction
            raise NotFoundError("Script not found.")
        return created


def _checked(command: CreateScriptCommand) -> tuple[_Fields, VersionDraft]:
    """The command's fields checked and normalized, or a ValidationError naming every
    problem (PayloadTooLargeError for code past 2 MiB)."""
    version_problems = Problems()
    draft = draft_version(command.code, command.version, command.changelog, version_problems)
    problems = Problems()
    declared = DeclaredFields() if draft is None else draft.declared
    if command.name is not None:
        name = problems.check(lambda: check_name(command.name or ""))
    else:
        name = problems.check(lambda: _declared("name", declared.name, draft))
    language = command.language or problems.check(
        lambda: _declared("language", declared.language, draft)
    )
    given_description = command.description
    description = problems.check(
        lambda: check_description(
            given_description if given_description is not None else declared.description or ""
        )
    )
    if command.license is not None:
        license_ = problems.check(lambda: check_license(command.license))
    else:
        license_ = declared.license
    tags = problems.check(lambda: normalize_tags(command.tags))
    slug = None if command.slug is None else problems.check(lambda: check_slug(command.slug or ""))
    problems.found.extend(version_problems.found)
    if (
        problems.found
        or name is None
        or language is None
        or description is None
        or tags is None
        or draft is None
    ):
        raise ValidationError(problems.found)
    return _Fields(name, description, license_, language, tags, slug), draft


T = TypeVar("T")
_DECLARED_BY = {
    "name": "declare @name in the code's metadata block",
    "language": "publish code with a ==UserScript== or ==UserStyle== metadata block",
}


def _declared(field: str, declared: T | None, draft: VersionDraft | None) -> T | None:
    """What the block declares for a field the body left out: a ValidationError if it
    declares nothing, unless the code could not be read (its own problems say why)."""
    if declared is None and draft is not None:
        raise ValidationError.single(field, f"is required: send it, or {_DECLARED_BY[field]}")
    return declared


async def _free_slug(uow: UnitOfWork, base: str) -> str:
    """`base` or the first numbered slug after it that no live script holds; past
    `NUMBERED_SLUGS`, a random number (a race for it is tried again by the caller)."""
    for number in range(1, NUMBERED_SLUGS + 1):
        candidate = base if number == 1 else numbered_slug(base, number)
        if not await uow.scripts.slug_in_use(candidate):
            return candidate
    return numbered_slug(base, NUMBERED_SLUGS + 1 + secrets.randbelow(_RANDOM_NUMBERS))
