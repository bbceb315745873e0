"""What the code routes share: the answer (code or "not modified"), what the client already
holds, and the update URLs served code points at."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from scripthub.application.ports.latest_code import CodeValidators
from scripthub.domain.scripts import Language, Script, Visibility
from scripthub.domain.userscript_metadata import BlockKind, find_block

META_TAG_SUFFIX = "-meta"
"""The entity tag of a meta block is its version's SHA-256 with this suffix: the block
changes exactly when the code does, and never shares a tag with the whole code."""


class CodeForm(enum.StrEnum):
    CODE = "code"
    """The whole code, as published (update URLs rewritten): an install when downloaded."""
    META = "meta"
    """The metadata block alone; a script without one has none to serve (NotFoundError)."""
    UPDATE_CHECK = "update_check"
    """A script manager's update check on the code's URL: the metadata block, or the whole
    code when it has none; never an install."""


@dataclass(frozen=True)
class Held:
    """What the client already holds (RFC 9110 conditional requests): the entity tags of
    `If-None-Match` (opaque, without quotes or `W/`), `any_tag` for `*`, or else the date of
    `If-Modified-Since`, which is ignored when tags are given."""

    tags: frozenset[str] | None = None
    any_tag: bool = False
    modified_since: datetime | None = None

    def is_current(self, tag: str, last_modified: datetime) -> bool:
        """Whether the client's copy is the representation tagged `tag`, last modified then."""
        if self.any_tag:
            return True
        if self.tags is not None:
            return tag in self.tags
        if self.modified_since is not None:
            return last_modified.replace(microsecond=0) <= self.modified_since
        return False


NOTHING_HELD = Held()


@dataclass(frozen=True)
class ServedCode:
    """A code route's answer: its validators and cacheability, and the text unless the
    client's copy is current (`body` None: 304)."""

    tag: str
    """The entity tag, unquoted."""
    last_modified: datetime
    shared: bool
    """Whether shared caches may keep it (False for private scripts)."""
    body: str | None

    @classmethod
    def of(cls, validators: CodeValidators, form: CodeForm) -> ServedCode:
        """The answer for a version with these validators, without a body yet."""
        suffix = "" if form is CodeForm.CODE else META_TAG_SUFFIX
        return cls(
            tag=validators.sha256 + suffix,
            last_modified=validators.created_at,
            shared=validators.visibility is not Visibility.PRIVATE,
            body=None,
        )


@dataclass(frozen=True)
class UpdateUrls:
    """Where script managers check for and download a script's updates (`.meta.js` and
    `.user.js`, or `.meta.css` and `.user.css` for user styles)."""

    update: str
    download: str

    @classmethod
    def of(cls, public_url: str, script: Script, code: str) -> UpdateUrls:
        block = find_block(code)
        if block is not None:
            style = block.kind is BlockKind.USERSTYLE
        else:
            style = script.language is Language.CSS
        extension = "css" if style else "js"
        base = f"{public_url}/api/scripts/{script.id}/{script.slug}"
        return cls(f"{base}.meta.{extension}", f"{base}.user.{extension}")
