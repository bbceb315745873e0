"""Scripts with published versions, written straight through a unit of work (for the tests of
the code routes, until they can publish over HTTP)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scripthub.domain.scripts import Language, Script, ScriptVersion, Visibility, code_digest
from scripthub.domain.userscript_metadata import parse_metadata

if TYPE_CHECKING:
    from scripthub.application.ports.unit_of_work import UnitOfWork

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def userscript(name: str = "Dark Mode", version: str = "1.0", eol: str = "\n") -> str:
    lines = [
        "// ==UserScript==",
        f"// @name         {name}",
        f"// @version      {version}",
        "// @match        https://example.com/*",
        "// @icon         data:image/png;base64,iVBORw0KGgo=",
        "// ==/UserScript==",
        "",
        "document.body.style.background = 'black'; // ünïcödé ✓",
        "",
    ]
    return eol.join(lines)


def new_script(
    owner_id: uuid.UUID,
    slug: str,
    *,
    language: Language = Language.JAVASCRIPT,
    visibility: Visibility = Visibility.PUBLIC,
) -> Script:
    return Script(
        id=uuid.uuid4(),
        owner_id=owner_id,
        slug=slug,
        name=slug.replace("-", " ").title(),
        language=language,
        created_at=T0,
        updated_at=T0,
        visibility=visibility,
    )


def new_version(script: Script, version: str, code: str, at: datetime) -> ScriptVersion:
    size, sha256 = code_digest(code)
    parsed = parse_metadata(code)
    return ScriptVersion(
        id=uuid.uuid4(),
        script_id=script.id,
        version=version,
        size=size,
        sha256=sha256,
        created_at=at,
        metadata=None if parsed is None else parsed.as_json(),
    )


async def seed_script(
    unit_of_work: Callable[[], UnitOfWork],
    script: Script,
    versions: list[tuple[str, str]],
) -> list[ScriptVersion]:
    """Add the script and publish `versions` ((version, code), oldest first) a minute apart."""
    published: list[ScriptVersion] = []
    async with unit_of_work() as uow:
        await uow.scripts.add(script)
        for number, (version, code) in enumerate(versions, start=1):
            made = new_version(script, version, code, T0 + timedelta(minutes=number))
            replacing = published[-1].version if published else None
            assert await uow.scripts.add_version(made, code, antifeatures=[], replacing=replacing)
            published.append(made)
        await uow.commit()
    return published
