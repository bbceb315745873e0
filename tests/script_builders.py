"""Scripts and versions for the unit and contract suites, staged straight in the repository
(not through the publishing use case), with fixed timestamps unless told otherwise."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scripthub.domain.script_versions import metadata_sites
from scripthub.domain.scripts import (
    Language,
    Script,
    ScriptVersion,
    Visibility,
    code_digest,
    slugify,
)
from scripthub.domain.userscript_metadata import parse_metadata
from tests.contract.samples import T0
from tests.userscripts import userscript

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
    from scripthub.domain.users import User


def make_script(
    owner: User,
    name: str = "Dark Mode Everywhere",
    *,
    slug: str | None = None,
    description: str = "Makes every page dark.",
    tags: list[str] | None = None,
    language: Language = Language.JAVASCRIPT,
    visibility: Visibility = Visibility.PUBLIC,
    at: datetime = T0,
) -> Script:
    return Script(
        id=uuid.uuid4(),
        owner_id=owner.id,
        slug=slug or slugify(name),
        name=name,
        language=language,
        created_at=at,
        updated_at=at,
        description=description,
        license="MIT",
        visibility=visibility,
        tags=["dark", "theme"] if tags is None else tags,
        owner_username=owner.username,
    )


def make_version(
    script: Script, version: str = "1.0", *, code: str | None = None, at: datetime | None = None
) -> tuple[ScriptVersion, str]:
    """Version `version` of `script`, made `at` (a minute after the script unless given), and
    its code (a userscript declaring the version unless given)."""
    code = code or userscript(version, "grant GM_addStyle", name=script.name)
    size, sha256 = code_digest(code)
    parsed = parse_metadata(code)
    made = ScriptVersion(
        id=uuid.uuid4(),
        script_id=script.id,
        version=version,
        size=size,
        sha256=sha256,
        created_at=at or script.created_at + timedelta(minutes=1),
        changelog=f"Version {version}",
        metadata=None if parsed is None else parsed.as_json(),
        widened=None,
    )
    return made, code


async def add_scripts(
    uow_factory: UnitOfWorkFactory,
    *scripts: Script,
    versions: Iterable[tuple[ScriptVersion, str]] = (),
) -> None:
    """Add `scripts`, then `versions` in order, each the new latest of its script."""
    latest: dict[uuid.UUID, str] = {}
    async with uow_factory() as uow:
        for script in scripts:
            await uow.scripts.add(script)
        for version, code in versions:
            previous = latest.get(version.script_id)
            assert await uow.scripts.add_version(
                version,
                code,
                antifeatures=[],
                sites=metadata_sites(parse_metadata(code)),
                replacing=previous,
            )
            latest[version.script_id] = version.version
        await uow.commit()


async def add_script(
    uow_factory: UnitOfWorkFactory, owner: User, name: str = "Dark Mode Everywhere", **fields: Any
) -> Script:
    """A script of `owner` with a first version `1.0`, both made now; the script as the
    repository then reads it."""
    now = datetime.now(UTC)
    script = make_script(owner, name, at=now, **fields)
    await add_scripts(uow_factory, script, versions=[make_version(script, at=now)])
    async with uow_factory() as uow:
        added = await uow.scripts.get(script.id)
    assert added is not None
    return added
