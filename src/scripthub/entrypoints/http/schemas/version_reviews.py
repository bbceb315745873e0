"""Review of risky updates: a moderator's decision, and the queue of held versions."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from scripthub.application.ports.version_reviews import HeldVersion
from scripthub.application.scripts.review_version import MAX_NOTE_LENGTH
from scripthub.domain.version_review import ReviewDecision
from scripthub.entrypoints.http.schemas.fields import documented
from scripthub.entrypoints.http.schemas.scripts import OwnerOut, VersionOut, version_out

ReviewNote = Annotated[
    str,
    documented(
        "Why (blank: none), shown to the owner; no control characters but newlines and tabs",
        max_length=MAX_NOTE_LENGTH,
    ),
]


class ReviewBody(msgspec.Struct, forbid_unknown_fields=True):
    decision: ReviewDecision
    note: ReviewNote | None = None


class HeldScriptOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    owner: OwnerOut


class HeldVersionOut(msgspec.Struct):
    script: HeldScriptOut
    version: VersionOut


class HeldVersionPageOut(msgspec.Struct):
    items: list[HeldVersionOut]
    next_cursor: str | None


def held_version_out(held: HeldVersion) -> HeldVersionOut:
    script = held.script
    owner = OwnerOut(script.owner_id, script.owner_username)
    return HeldVersionOut(
        HeldScriptOut(script.id, script.slug, script.name, owner), version_out(held.version)
    )
