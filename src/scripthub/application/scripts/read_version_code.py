"""Serve one version's code, pinned: script managers installing it never update it."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass

from scripthub.application.accounts import Principal
from scripthub.application.ports.latest_code import CodeValidators
from scripthub.application.ports.prepared_code import PreparedCode, PreparedCodeCache
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.scripts.access import load_visible_script
from scripthub.application.scripts.served_code import NOTHING_HELD, CodeForm, Held, ServedCode
from scripthub.application.scripts.taken_down import require_not_taken_down
from scripthub.application.scripts.unpublished import visible_version
from scripthub.domain.errors import NotFoundError
from scripthub.domain.userscript_serving import PINNED_URL, rewrite_update_urls
from scripthub.domain.version_review import VersionStatus

MAX_VERSION_LENGTH = 256
"""Longer version strings name no version: refused before the database is asked."""


@dataclass(frozen=True)
class ReadVersionCodeQuery:
    id_or_slug: str
    version: str
    viewer: Principal | None
    """The signed-in caller, or None for an anonymous one."""
    held: Held = NOTHING_HELD


def plausible_version(version: str) -> bool:
    """Whether `version` could name a version (else it names none, unread)."""
    return 0 < len(version) <= MAX_VERSION_LENGTH and version.isprintable()


def _pinned_code(code: str) -> PreparedCode:
    return PreparedCode(rewrite_update_urls(code, PINNED_URL, PINNED_URL).encode(), None)


class ReadVersionCode:
    """A version's code with `@updateURL` and `@downloadURL` set to `none`; a version held
    for review or rejected only for the script's owner and moderators (NotFoundError for
    anyone else), never kept by shared caches. Versions are
    immutable, so the answer is too; not an install (the catalogue counts installs of the
    latest version, which updates). Its code is read and prepared once per process
    (`PreparedCodeCache`, under its entity tag: the code's digest, since nothing else shapes
    it)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, prepared_code: PreparedCodeCache) -> None:
        self._uow_factory = uow_factory
        self._prepared_code = prepared_code

    async def execute(self, query: ReadVersionCodeQuery) -> ServedCode:
        if not plausible_version(query.version):
            raise NotFoundError("Version not found.")
        async with self._uow_factory() as uow:
            try:
                script = await load_visible_script(uow, query.id_or_slug, query.viewer)
            except NotFoundError:
                await require_not_taken_down(uow, query.id_or_slug, query.viewer)
                raise
            found_version = await uow.scripts.get_version(script.id, query.version)
            version = visible_version(script, found_version, query.viewer)
            if version is None:
                raise NotFoundError("Version not found.")
            validators = CodeValidators.of(script, version.summary, served_as="")
            answer = ServedCode.of(validators, CodeForm.CODE)
            if version.status is not VersionStatus.PUBLISHED:  # for its owner and moderators
                answer = dataclasses.replace(answer, shared=False)
            if query.held.is_current(answer.tag, answer.last_modified):
                return answer
            prepared = self._prepared_code.get(validators.tag)
            found = None
            if prepared is None:
                found = await uow.scripts.version_code(script.id, query.version)
        if prepared is None:
            if found is None:  # deleted meanwhile
                raise NotFoundError("Version not found.")
            prepared = await asyncio.to_thread(_pinned_code, found.code)
            self._prepared_code.put(validators.tag, prepared)
        return dataclasses.replace(answer, body=prepared.code)
