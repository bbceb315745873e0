"""Body fields whose rules the OpenAPI document states, taken from the domain's constants.

The domain checks these rules (one 422 naming every field that breaks one, in its own words):
decoding only caps sizes, so the rules go into the document alone, through `documented`.
Lengths are those of the value once trimmed, where the domain trims it (the description says
so). `tests/api/test_openapi_limits_api.py` holds the document to the code: one past each
limit is refused, the limit itself is not. The fields of scripts are in `script_fields`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat, Schema

from scripthub.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from scripthub.domain.users import (
    MAX_EMAIL_LENGTH,
    PHONE_PATTERN,
    PROFILE_TEXT_LIMITS,
    URL_PATTERN,
    USERNAME_PATTERN,
)


def documented(description: str, **rules: Any) -> msgspec.Meta:
    """A field's one-line description and rules for the OpenAPI document only.

    `rules` are attributes of Litestar's `Schema` (`min_length`, `pattern`, `format`...):
    Litestar copies `extra_json_schema["extra"]` onto the field's schema, and msgspec checks
    none of it. A `Schema` among them (`items`) is given as its JSON: Litestar would copy
    it with its attributes' Python names.
    """
    extra = {
        name: rule.to_schema() if isinstance(rule, Schema) else rule for name, rule in rules.items()
    }
    return msgspec.Meta(description=description, extra_json_schema={"extra": extra})


def anchored(pattern: str) -> str:
    """A pattern the domain matches whole (`fullmatch`), as JSON Schema's `pattern`, which
    matches anywhere, must say it."""
    return f"^(?:{pattern})$"


# Generous caps: the domain gives the precise rule; these only stop absurd payloads early.
_EMAIL_CAP = msgspec.Meta(max_length=320)
_PASSWORD_CAP = msgspec.Meta(max_length=1024)
_TEXT_CAP = msgspec.Meta(max_length=4096)
NAME_CAP = msgspec.Meta(max_length=64)

Email = Annotated[
    str,
    _EMAIL_CAP,
    documented(
        "An email address, trimmed and compared case-insensitively",
        format=OpenAPIFormat.EMAIL,
        max_length=MAX_EMAIL_LENGTH,
    ),
]
AccountEmail = Annotated[
    str,
    _EMAIL_CAP,
    documented(
        "The account's email address, its syntax unchecked: text that is no account's "
        "address is answered as an unknown address"
    ),
]
"""An email that only looks an account up (sign-in, a reset link): its syntax is not checked,
so that the answer tells nothing about the address."""
LoginName = Annotated[
    str,
    _EMAIL_CAP,
    documented(
        "A username, or the account's email (any text with an `@`), its syntax unchecked: "
        "text that names no account is answered as unknown"
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
    NAME_CAP,
    documented(
        "Trimmed and lower-cased, then 3 to 32 of a-z, 0-9, '_' and '-'; `me` is reserved",
        pattern=USERNAME_PATTERN.pattern,
        min_length=3,
        max_length=32,
    ),
]


NO_CONTROLS = "no control characters"
# A pattern, not `format: uri`: the domain takes any non-blank text after the scheme, IRIs
# (`https://bücher.example`) included, which `uri` refuses.
_URL = {"pattern": URL_PATTERN.pattern}
_LIMIT = PROFILE_TEXT_LIMITS
FullName = Annotated[
    str,
    _TEXT_CAP,
    documented(f"The name on the profile; {NO_CONTROLS}", max_length=_LIMIT["full_name"]),
]
AvatarUrl = Annotated[
    str,
    _TEXT_CAP,
    documented("An http(s) URL of a picture", max_length=_LIMIT["avatar_url"], **_URL),
]
Phone = Annotated[
    str,
    _TEXT_CAP,
    documented("A phone number", max_length=_LIMIT["phone"], pattern=PHONE_PATTERN.pattern),
]
Bio = Annotated[
    str,
    _TEXT_CAP,
    documented(
        "A few lines about oneself; no control characters but newlines and tabs",
        max_length=_LIMIT["bio"],
    ),
]
Location = Annotated[
    str, _TEXT_CAP, documented(f"Where one is; {NO_CONTROLS}", max_length=_LIMIT["location"])
]
Website = Annotated[
    str, _TEXT_CAP, documented("An http(s) URL", max_length=_LIMIT["website"], **_URL)
]
BirthDate = Annotated[date, documented("A date from 1800-01-01 to today")]
