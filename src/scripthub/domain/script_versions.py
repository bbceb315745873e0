"""A new version of a script: its fields checked, then placed after the script's latest."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from scripthub.domain.errors import Problems, ValidationError
from scripthub.domain.script_form import DeclaredFields, declared_fields
from scripthub.domain.scripts import ScriptVersion, VersionCode, check_prose, code_digest
from scripthub.domain.sites import NO_SITES, SiteTargets, pattern_sites
from scripthub.domain.userscript_metadata import Metadata, parse_metadata, read_metadata
from scripthub.domain.version_ordering import update_refusal
from scripthub.domain.widening import widened

MAX_VERSION_LENGTH = 64
VERSION_PATTERN = re.compile(rf"[0-9A-Za-z._+~-]{{1,{MAX_VERSION_LENGTH}}}")
"""Versions name a path segment (`/versions/{version}/raw`): no spaces, slashes or `%`."""
MAX_CHANGELOG_LENGTH = 5000
_TICK = timedelta(microseconds=1)


def check_version(version: str, *, declared: bool = False) -> str:
    """The version, if it follows the version rule; `declared`: it was the code's
    `@version`, which the error then names."""
    if not VERSION_PATTERN.fullmatch(version):
        source = f" (the code declares @version {version!r})" if declared else ""
        raise ValidationError.single(
            "version",
            f"must be 1 to {MAX_VERSION_LENGTH} characters of A-Z, a-z, 0-9 and . _ + ~ -" + source,
        )
    return version


def check_changelog(changelog: str | None) -> str | None:
    """The changelog, or None when it is missing or blank."""
    if changelog is None or not changelog.strip():
        return None
    return check_prose("changelog", changelog, MAX_CHANGELOG_LENGTH)


@dataclass(frozen=True)
class VersionDraft:
    """A version's code and fields, checked, before it has a place among the script's
    versions."""

    code: str
    version: str
    changelog: str | None
    size: int
    sha256: str
    metadata: Metadata | None
    declared: DeclaredFields
    """What the block fills in of the script."""

    @property
    def antifeatures(self) -> list[str]:
        """What the script declares from this version on."""
        return [] if self.metadata is None else self.metadata.antifeatures

    @property
    def sites(self) -> SiteTargets:
        """Where the script runs from this version on (its `@match` and `@include`)."""
        return metadata_sites(self.metadata)


def metadata_sites(metadata: Metadata | None) -> SiteTargets:
    """Where a version with this metadata runs (its `@match` and `@include`)."""
    if metadata is None:
        return NO_SITES
    return pattern_sites([*metadata.get_list("match"), *metadata.get_list("include")])


def _chosen_version(given: str | None, metadata: Metadata | None) -> str:
    declared = (metadata.version or None) if metadata is not None else None
    if given is None and declared is None:
        raise ValidationError.single(
            "version", "is required: send it, or declare @version in the code's metadata block"
        )
    if given is not None and declared is not None and given != declared:
        raise ValidationError.single(
            "version", f"is {given!r} but the code declares @version {declared!r}: they must agree"
        )
    if given is not None:
        return check_version(given)
    return check_version(declared or "", declared=True)


def draft_version(
    code: str, version: str | None, changelog: str | None, problems: Problems
) -> VersionDraft | None:
    """The draft of a version, or None with its field problems noted in `problems`.

    `version` (trimmed) is the body's; without it, the code's `@version` is taken; when both
    are given they must agree. Raises PayloadTooLargeError for code past 2 MiB, whatever
    else is wrong.
    """
    given = None if version is None else version.strip()
    digest = problems.check(lambda: code_digest(code))
    # In a tuple, so that code without a block (None) differs from code refused (no tuple).
    read = None if digest is None else problems.check(lambda: (read_metadata(code),))
    if read is None:  # no code to read a version from: check only the body's
        metadata = None
        chosen = None if given is None else problems.check(lambda: check_version(given))
    else:
        (metadata,) = read
        chosen = problems.check(lambda: _chosen_version(given, metadata))
    declared = problems.check(lambda: declared_fields(metadata))
    checked_changelog = problems.check(lambda: check_changelog(changelog))
    if digest is None or chosen is None or declared is None or problems.found:
        return None
    size, sha256 = digest
    return VersionDraft(code, chosen, checked_changelog, size, sha256, metadata, declared)


def place_version(
    draft: VersionDraft, script_id: uuid.UUID, latest: VersionCode | None, now: datetime
) -> ScriptVersion:
    """The version `draft` becomes when it follows `latest` (None: the script's first).

    Raises ValidationError (field `version`) when Tampermonkey or Violentmonkey would not
    take it as an update of `latest`. Its `created_at` is `now`, or just after `latest`'s
    if the clock says otherwise, so that newest first is the order of publication.
    """
    if latest is None:
        return _version(draft, script_id, now, widened_entries=None)
    if refusal := update_refusal(latest.version.version, draft.version):
        raise ValidationError.single("version", f"must be greater than the latest: {refusal}")
    previous = parse_metadata(latest.code)
    entries = widened(previous, draft.metadata, first_version=False)
    created_at = max(now, latest.version.created_at + _TICK)
    return _version(draft, script_id, created_at, widened_entries=entries)


def _version(
    draft: VersionDraft,
    script_id: uuid.UUID,
    created_at: datetime,
    *,
    widened_entries: dict[str, list[str]] | None,
) -> ScriptVersion:
    return ScriptVersion(
        id=uuid.uuid4(),
        script_id=script_id,
        version=draft.version,
        size=draft.size,
        sha256=draft.sha256,
        created_at=created_at,
        changelog=draft.changelog,
        metadata=None if draft.metadata is None else draft.metadata.as_json(),
        widened=widened_entries,
    )
