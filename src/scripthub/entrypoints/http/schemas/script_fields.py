"""The fields of the bodies that publish and edit scripts, with the domain's rules (see
`fields`)."""

from __future__ import annotations

from typing import Annotated

from litestar.openapi.spec import OpenAPIType, Schema

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
from scripthub.entrypoints.http.schemas.fields import anchored, documented

ScriptName = Annotated[
    str,
    documented(
        "The script's display name, trimmed; not blank; no control, invisible or "
        "bidirectional-control characters",
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
    str,
    documented(
        "What the script does; no control characters but newlines and tabs",
        max_length=MAX_DESCRIPTION_LENGTH,
    ),
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
    str,
    documented(
        "What changed (blank: none); no control characters but newlines and tabs",
        max_length=MAX_CHANGELOG_LENGTH,
    ),
]
