"""What the code routes share: the answer (code or "not modified"), what the client already
holds, and the update URLs served code points at."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime

from scripthub.application.ports.latest_code import CodeValidators
from scripthub.application.ports.prepared_code import PreparedCode
from scripthub.domain.errors import NotFoundError
from scripthub.domain.scripts import Language, Script, Visibility
from scripthub.domain.userscript_metadata import BlockKind, find_block
from scripthub.domain.userscript_serving import served_forms
from scripthub.domain.version_channels import Channel

META_TAG_SUFFIX = "-meta"
"""The entity tag of a meta block is the code's with this suffix: the block changes exactly
when the served code does, and never shares a tag with it."""


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


def checks_for_update(form: CodeForm, held: Held) -> bool:
    """Whether a request of a script's latest code is how script managers check for updates
    (a conditional request, or one for the metadata block), rather than an install."""
    return form is not CodeForm.CODE or held != NOTHING_HELD


@dataclass(frozen=True)
class ServedCode:
    """A code route's answer: its validators and cacheability, and the text unless the
    client's copy is current (`body` None: 304)."""

    tag: str
    """The entity tag, unquoted."""
    last_modified: datetime
    shared: bool
    """Whether shared caches may keep it (False for private scripts)."""
    body: bytes | None

    @classmethod
    def of(cls, validators: CodeValidators, form: CodeForm) -> ServedCode:
        """The answer for a version with these validators, without a body yet."""
        suffix = "" if form is CodeForm.CODE else META_TAG_SUFFIX
        return cls(
            tag=validators.tag + suffix,
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
    def of(
        cls, public_url: str, script: Script, code: str, channel: Channel = Channel.STABLE
    ) -> UpdateUrls:
        """The URLs of `channel`: the beta ones are under `/beta/`."""
        block = find_block(code)
        if block is not None:
            style = block.kind is BlockKind.USERSTYLE
        else:
            style = script.language is Language.CSS
        extension = "css" if style else "js"
        base = f"{public_url}/api/scripts/{script.id}/{channel_path(channel)}{script.slug}"
        return cls(f"{base}.meta.{extension}", f"{base}.user.{extension}")


def channel_path(channel: Channel) -> str:
    """What a channel's code URLs have between the script's id and the file: `beta/` for
    the beta channel, nothing for the stable one."""
    return "" if channel is Channel.STABLE else f"{channel}/"


def served_as(public_url: str, script: Script, channel: Channel = Channel.STABLE) -> str:
    """What, besides its code, a script's served code is made from (`UpdateUrls.of`: our
    public URL, the script's id and slug, its language for code without a block, and the
    channel), as a digest: changing any of them changes the code's entity tag."""
    made_from = f"{public_url}\n{script.id}\n{script.slug}\n{script.language}"
    if channel is not Channel.STABLE:  # the stable tags as they were before channels
        made_from += f"\n{channel}"
    return hashlib.blake2b(made_from.encode(), digest_size=8).hexdigest()


def prepare_code(
    public_url: str, script: Script, code: str, channel: Channel = Channel.STABLE
) -> PreparedCode:
    """The served forms of `code`, a version of `script`, with update URLs pointing at us
    (at `channel`'s URLs)."""
    urls = UpdateUrls.of(public_url, script, code, channel)
    rewritten, meta = served_forms(code, urls.update, urls.download)
    return PreparedCode(rewritten.encode(), None if meta is None else meta.encode())


def served_body(prepared: PreparedCode, form: CodeForm) -> bytes:
    """What a request of `form` gets of the prepared code; NotFoundError for the block of code
    that has none."""
    if form is CodeForm.CODE:
        return prepared.code
    if prepared.meta is not None:
        return prepared.meta
    if form is CodeForm.META:
        raise NotFoundError("This script has no metadata block.")
    return prepared.code
