"""The bodies that change a script or its ratings, and the ratings as the API shows them."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec

from scripthub.application.ports.scripts import ScriptChanges
from scripthub.application.scripts.rate_script import ScriptRating
from scripthub.domain.errors import ValidationError
from scripthub.domain.scripts import MAX_SCORE, MIN_SCORE, Language, Visibility
from scripthub.entrypoints.http.body_problems import body_problems
from scripthub.entrypoints.http.schemas.script_fields import (
    License,
    ScriptDescription,
    ScriptName,
    Slug,
    Tags,
)

Body = TypeVar("Body", bound=msgspec.Struct)


def strictly(raw: Any, body_type: type[Body]) -> Body:
    """The decoded JSON body converted in msgspec's strict mode.

    Litestar converts bodies in lax mode, where `"5"` passes for 5 and `1` or `"true"` for
    true: a score or a flag must be sent as a JSON number or boolean. A mismatch is the
    same 422 as any other body error, naming every field that is wrong.
    """
    try:
        return msgspec.convert(raw, body_type, strict=True)
    except msgspec.ValidationError:
        raise ValidationError(body_problems(raw, body_type, strict=True)) from None


class ScriptPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Omitted fields stay as they are; `license: null` clears the license. The field rules
    are the domain's (checked by the use case)."""

    name: ScriptName | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    description: ScriptDescription | msgspec.UnsetType = msgspec.UNSET
    language: Language | msgspec.UnsetType = msgspec.UNSET
    license: License | msgspec.UnsetType | None = msgspec.UNSET
    visibility: Visibility | msgspec.UnsetType = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> ScriptChanges:
        values: dict[str, Any] = {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not msgspec.UNSET
        }
        return ScriptChanges(**values)


class FeaturedBody(msgspec.Struct, forbid_unknown_fields=True):
    featured: bool


class RatingBody(msgspec.Struct, forbid_unknown_fields=True):
    score: Annotated[int, msgspec.Meta(ge=MIN_SCORE, le=MAX_SCORE)]


class RatingOut(msgspec.Struct):
    rating_avg: float | None
    rating_count: int
    my_score: int | None


def rating_out(rating: ScriptRating) -> RatingOut:
    return RatingOut(rating.rating_avg, rating.rating_count, rating.my_score)
