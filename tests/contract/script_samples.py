"""Scripts and versions for the script repository suites, with fixed timestamps."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from scripthub.domain.scripts import (
    Language,
    Script,
    ScriptVersion,
    Visibility,
    code_digest,
    slugify,
)
from tests.contract.samples import T0, make_user
from tests.contract.uow_backends import add_committed

if TYPE_CHECKING:
    from datetime import datetime

    from scripthub.domain.users import User
    from tests.contract.uow_backends import MakeUnitOfWork


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
    code = code or f"// ==UserScript==\n// @name {script.name}\n// @version {version}\n"
    size, sha256 = code_digest(code)
    made = ScriptVersion(
        id=uuid.uuid4(),
        script_id=script.id,
        version=version,
        size=size,
        sha256=sha256,
        created_at=at or T0 + timedelta(minutes=1),
        changelog=f"Version {version}",
        metadata={"name": script.name, "version": version, "grant": ["GM_addStyle"]},
        widened=None,
    )
    return made, code


async def add_owners(make_uow: MakeUnitOfWork, *names: str) -> list[User]:
    users = [make_user(name) for name in names]
    await add_committed(make_uow, *users)
    return users


async def add_scripts(make_uow: MakeUnitOfWork, *scripts: Script) -> None:
    async with make_uow() as uow:
        for script in scripts:
            await uow.scripts.add(script)
        await uow.commit()
