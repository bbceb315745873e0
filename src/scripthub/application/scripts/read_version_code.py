"""Serve one version's code, pinned: script managers installing it never update it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.latest_code import CodeValidators
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.application.scripts.served_code import NOTHING_HELD, CodeForm, Held, ServedCode
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Script, VersionSummary
from scripthub.domain.userscript_serving import PINNED_URL, rewrite_update_urls

MAX_VERSION_LENGTH = 256
"""Longer version strings name no version: refused before the database is asked."""


@dataclass(frozen=True)
class ReadVersionCodeQuery:
    id_or_slug: str
    version: str
    viewer: Principal | None
    """The signed-in caller, or None for an anonymous one."""
    held: Held = NOTHING_HELD


def _pinned(script: Script, version: VersionSummary) -> CodeValidators:
    """A pinned version's code is made from nothing but its code."""
    return CodeValidators.of(script, version, served_as="")


def _plausible(version: str) -> bool:
    return 0 < len(version) <= MAX_VERSION_LENGTH and version.isprintable()


class ReadVersionCode:
    """A version's code with `@updateURL` and `@downloadURL` set to `none`. Versions are
    immutable, so the answer is too; not an install (the catalogue counts installs of the
    latest version, which updates)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def execute(self, query: ReadVersionCodeQuery) -> ServedCode:
        if not _plausible(query.version):
            raise NotFoundError("Version not found.")
        async with self._uow_factory() as uow:
            script = await load_visible_script(uow, query.id_or_slug, query.viewer)
            if query.held != NOTHING_HELD:  # a copy may be current: check before reading code
                version = await uow.scripts.get_version(script.id, query.version)
                if version is None:
                    raise NotFoundError("Version not found.")
                answer = ServedCode.of(_pinned(script, version.summary), CodeForm.CODE)
                if query.held.is_current(answer.tag, answer.last_modified):
                    return answer
            found = await uow.scripts.version_code(script.id, query.version)
        if found is None:
            raise NotFoundError("Version not found.")
        answer = ServedCode.of(_pinned(script, found.version.summary), CodeForm.CODE)
        body = rewrite_update_urls(found.code, PINNED_URL, PINNED_URL).encode()
        return dataclasses.replace(answer, body=body)
