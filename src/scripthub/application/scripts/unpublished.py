"""Who sees the versions that are not published (held for review, or rejected)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from scripthub.application.accounts import Actor
from scripthub.domain.roles import SCRIPTS_MODERATE
from scripthub.domain.scripts import Script, ScriptVersion
from scripthub.domain.version_review import VersionStatus


def sees_unpublished(script: Script, viewer: Actor | None) -> bool:
    """The script's owner and `scripts.moderate` holders (who review them); nobody else
    learns they exist."""
    return viewer is not None and (
        viewer.user_id == script.owner_id or viewer.may(SCRIPTS_MODERATE.name)
    )


def visible_version(
    script: Script, version: ScriptVersion | None, viewer: Actor | None
) -> ScriptVersion | None:
    """`version`, unless it is not published and `viewer` may not see it."""
    if version is None or version.status is VersionStatus.PUBLISHED:
        return version
    return version if sees_unpublished(script, viewer) else None


def held_with_code(held: Sequence[ScriptVersion], code: str) -> ScriptVersion | None:
    """The version of `held` whose code is `code`, if any (by its digest)."""
    digest = hashlib.sha256(code.encode()).hexdigest()
    return next((version for version in held if version.sha256 == digest), None)
