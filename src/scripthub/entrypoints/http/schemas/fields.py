"""Body fields whose rules the OpenAPI document states, taken from the domain's constants.

The domain checks these rules (one 422 naming every field that breaks one, in its own words):
decoding only caps sizes, so the rules go into the document alone, through `documented`.
Lengths are those of the value once trimmed, where the domain trims it (the description says
so). `tests/api/test_openapi_limits_api.py` holds the document to the code: one past each
limit is refused, the limit itself is not.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema

from scripthub.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from scripthub.domain.roles import (
    MAX_DESCRIPTION_LENGTH as MAX_ROLE_DESCRIPTION_LENGTH,
)
from scripthub.domain.roles import PERMISSION_PATTERN, ROLE_PATTERN
from scripthub.domain.script_versions import (
    MAX_CHANGELOG_LENGTH,
    MAX_VERSION_LENGTH,
    VERSION_PATTERN,
)
from scripthub.domain.scripts import (
    MAX_CODE_BYTES,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SLUG_LENGTH,
    MAX_TAGS,
    MIN_SLUG_LENGTH,
    SLUG_PATTERN,
    TAG_PATTERN,
)
from scripthub.domain.spdx import MAX_EXPRESSION_LENGTH
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
_NAME_CAP = msgspec.Meta(max_length=64)

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
    documented("The account's email address (any text names no account: no 422)"),
]
"""An email that only looks an account up (sign-in, a reset link): its syntax is not checked,
so that the answer tells nothing about the address."""
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
    _NAME_CAP,
    documented(
        "Trimmed and lower-cased, then 3 to 32 of a-z, 0-9, '_' and '-'; `me` is reserved",
        pattern=USERNAME_PATTERN.pattern,
        min_length=3,
        max_length=32,
    ),
]


def _profile_text(field: str, description: str, **rules: Any) -> Any:
    return Annotated[
        str, _TEXT_CAP, documented(description, max_length=PROFILE_TEXT_LIMITS[field], **rules)
    ]


_URL = {"format": OpenAPIFormat.URI, "pattern": URL_PATTERN.pattern}
FullName = _profile_text("full_name", "The name shown on the profile")
AvatarUrl = _profile_text("avatar_url", "An http(s) URL of the profile picture", **_URL)
Phone = _profile_text("phone", "A phone number", pattern=PHONE_PATTERN.pattern)
Bio = _profile_text("bio", "A few lines about oneself")
Location = _profile_text("location", "Where one is")
Website = _profile_text("website", "An http(s) URL", **_URL)
ScriptName = Annotated[
    str,
    documented(
        "The script's display name, trimmed; not blank",
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        pattern=r"\S",
    ),
]
Slug = Annotated[
    str,
    documented(
        "The script's address (made from the name when left out)",
        pattern=SLUG_PATTERN.pattern,
        min_length=MIN_SLUG_LENGTH,
        max_length=MAX_SLUG_LENGTH,
    ),
]
ScriptDescription = Annotated[
    str, documented("What the script does", max_length=MAX_DESCRIPTION_LENGTH)
]
Tags = Annotated[
    list[str],
    documented(
        f"Trimmed and lower-cased, repeats dropped, then at most {MAX_TAGS}",
        max_items=MAX_TAGS,
        items=Schema(
            type=OpenAPIType.STRING, pattern=TAG_PATTERN.pattern, min_length=1, max_length=32
        ),
    ),
]
License = Annotated[
    str,
    documented(
        "An SPDX license identifier or expression (`MIT`, `Apache-2.0 OR MIT`), trimmed",
        min_length=1,
        max_length=MAX_EXPRESSION_LENGTH,
    ),
]
Code = Annotated[
    str,
    documented(
        f"The code: UTF-8 text without NUL, at most {MAX_CODE_BYTES} bytes once encoded "
        "(413 past that)",
        min_length=1,
    ),
]
Version = Annotated[
    str,
    documented(
        "The version, trimmed (the code's `@version` when left out; both must agree)",
        pattern=anchored(VERSION_PATTERN.pattern),
        min_length=1,
        max_length=MAX_VERSION_LENGTH,
    ),
]
Changelog = Annotated[
    str, documented("What changed (blank: none)", max_length=MAX_CHANGELOG_LENGTH)
]
RoleName = Annotated[
    str,
    _NAME_CAP,
    documented("A role name", pattern=ROLE_PATTERN.pattern, min_length=2, max_length=32),
]
PermissionName = Annotated[
    str,
    _NAME_CAP,
    documented("A permission name, `resource.action`", pattern=PERMISSION_PATTERN.pattern),
]
RoleDescription = Annotated[
    str,
    msgspec.Meta(max_length=1024),
    documented("What it is for, trimmed", max_length=MAX_ROLE_DESCRIPTION_LENGTH),
]
BirthDate = Annotated[date, documented("A date from 1800-01-01 to today")]
