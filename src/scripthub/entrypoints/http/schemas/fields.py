"""Body fields whose rules the OpenAPI document states, taken from the domain's constants.

The domain checks these rules (one 422 naming every field that breaks one, in its own words):
decoding only caps sizes, so the rules go into the document alone, through `documented`.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat

from scripthub.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from scripthub.domain.scripts import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TAGS,
    SLUG_PATTERN,
    TAG_PATTERN,
)
from scripthub.domain.users import MAX_EMAIL_LENGTH, USERNAME_PATTERN


def documented(description: str, **rules: Any) -> msgspec.Meta:
    """A field's one-line description and rules for the OpenAPI document only.

    `rules` are attributes of Litestar's `Schema` (`min_length`, `pattern`, `format`...):
    Litestar copies `extra_json_schema["extra"]` onto the field's schema, and msgspec checks
    none of it.
    """
    return msgspec.Meta(description=description, extra_json_schema={"extra": rules})


# Generous caps: the domain gives the precise rule; these only stop absurd payloads early.
_EMAIL_CAP = msgspec.Meta(max_length=320)
_PASSWORD_CAP = msgspec.Meta(max_length=1024)

Email = Annotated[
    str,
    _EMAIL_CAP,
    documented(
        "An email address, trimmed and compared case-insensitively",
        format=OpenAPIFormat.EMAIL,
        max_length=MAX_EMAIL_LENGTH,
    ),
]
Password = Annotated[str, _PASSWORD_CAP, documented("The account's password")]
NewPassword = Annotated[
    str,
    _PASSWORD_CAP,
    documented(
        "A password that is not a commonly used one",
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
    ),
]
Username = Annotated[
    str,
    msgspec.Meta(max_length=64),
    documented(
        "Trimmed and lower-cased, then a-z, 0-9, '_' and '-'; `me` is reserved",
        pattern=USERNAME_PATTERN.pattern,
    ),
]
ScriptName = Annotated[
    str, documented("The script's display name, trimmed", min_length=1, max_length=MAX_NAME_LENGTH)
]
Slug = Annotated[
    str,
    documented(
        "The script's address (made from the name when left out)", pattern=SLUG_PATTERN.pattern
    ),
]
ScriptDescription = Annotated[
    str, documented("What the script does", max_length=MAX_DESCRIPTION_LENGTH)
]
Tags = Annotated[
    list[str],
    documented(
        f"Lower-cased, repeats dropped; each matches {TAG_PATTERN.pattern}", max_items=MAX_TAGS
    ),
]
