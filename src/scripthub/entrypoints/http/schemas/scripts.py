"""Scripts and their versions as the API shows them, and the bodies that publish them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from scripthub.domain.scripts import Language, Script, ScriptVersion, VersionSummary, Visibility
from scripthub.domain.version_review import ReviewDecision, VersionStatus
from scripthub.entrypoints.http.schemas.script_fields import (
    Changelog,
    Code,
    License,
    ScriptDescription,
    ScriptName,
    Slug,
    Tags,
    Version,
)


class OwnerOut(msgspec.Struct):
    id: uuid.UUID
    username: str | None


class LatestVersionOut(msgspec.Struct):
    version: str
    created_at: datetime
    sha256: str


class LocalizedOut(msgspec.Struct):
    name: str | None
    description: str | None


class ScriptOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    language: Language
    license: str | None
    visibility: Visibility
    tags: list[str]
    featured: bool
    owner: OwnerOut
    latest_version: LatestVersionOut | None
    antifeatures: list[str]
    localized: dict[str, LocalizedOut]
    install_count: int
    rating_avg: float | None
    rating_count: int
    created_at: datetime
    updated_at: datetime


class VersionOut(msgspec.Struct):
    id: uuid.UUID
    version: str
    changelog: str | None
    created_at: datetime
    size: int
    sha256: str
    metadata: dict[str, Any] | None
    widened: dict[str, Any] | None
    status: VersionStatus
    """Only `published` versions are served; the others are shown to the script's owner
    and moderators only."""
    review: VersionReviewOut | None
    """The moderator's decision, on a version that was held for review."""


class VersionReviewOut(msgspec.Struct):
    decision: ReviewDecision
    note: str | None
    at: datetime


class NewScriptBody(msgspec.Struct, forbid_unknown_fields=True):
    """The rules on each field are the domain's (422 naming every field that breaks one);
    code past 2 MiB is 413. `name`, `description`, `license` and `language` left out (or
    null) come from the code's metadata block."""

    code: Code
    name: ScriptName | None = None
    language: Language | None = None
    version: Version | None = None
    changelog: Changelog | None = None
    slug: Slug | None = None
    description: ScriptDescription | None = None
    license: License | None = None
    visibility: Visibility = Visibility.PUBLIC
    tags: Tags = msgspec.field(default_factory=list)


class NewVersionBody(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    version: Version | None = None
    changelog: Changelog | None = None


class ScriptPageOut(msgspec.Struct):
    items: list[ScriptOut]
    next_cursor: str | None


class VersionPageOut(msgspec.Struct):
    items: list[VersionOut]
    next_cursor: str | None


def _latest(summary: VersionSummary | None) -> LatestVersionOut | None:
    if summary is None:
        return None
    return LatestVersionOut(summary.version, summary.created_at, summary.sha256)


def script_out(script: Script) -> ScriptOut:
    return ScriptOut(
        id=script.id,
        slug=script.slug,
        name=script.name,
        description=script.description,
        language=script.language,
        license=script.license,
        visibility=script.visibility,
        tags=script.tags,
        featured=script.featured,
        owner=OwnerOut(script.owner_id, script.owner_username),
        latest_version=_latest(script.latest_version),
        antifeatures=script.antifeatures,
        localized={
            locale: LocalizedOut(text.name, text.description)
            for locale, text in script.localized.items()
        },
        install_count=script.install_count,
        rating_avg=script.rating_avg,
        rating_count=script.rating_count,
        created_at=script.created_at,
        updated_at=script.updated_at,
    )


def version_out(version: ScriptVersion) -> VersionOut:
    return VersionOut(
        id=version.id,
        version=version.version,
        changelog=version.changelog,
        created_at=version.created_at,
        size=version.size,
        sha256=version.sha256,
        metadata=version.metadata,
        widened=version.widened,
        status=version.status,
        review=_review(version),
    )


def _review(version: ScriptVersion) -> VersionReviewOut | None:
    if version.review is None:
        return None
    approved = version.status is VersionStatus.PUBLISHED
    decision = ReviewDecision.APPROVE if approved else ReviewDecision.REJECT
    return VersionReviewOut(decision, version.review.note, version.review.at)
