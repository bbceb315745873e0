"""Bodies of /api/moderation/require-allowlist."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.openapi.spec import OpenAPIType, Schema

from scripthub.domain.require_policy import MAX_PATTERN_LENGTH, MAX_PATTERNS
from scripthub.entrypoints.http.schemas.fields import documented

PATTERN_SHAPE = (
    r"^(?:(?:\*\.)?[A-Za-z0-9.-]+|https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@]+)*/)$"
)
"""The shape of a pattern, for the document; the domain's rule is stricter (API.md)."""

Patterns = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=4096)]],
    msgspec.Meta(max_length=10 * MAX_PATTERNS),
    documented(
        "The whole list, in order, each pattern once: a host (`cdn.example.com`, "
        "`*.example.com` for the hosts below it) or an https URL prefix ending in `/`; "
        "hosts and the scheme are lower-cased",
        max_items=MAX_PATTERNS,
        items=Schema(type=OpenAPIType.STRING, pattern=PATTERN_SHAPE, max_length=MAX_PATTERN_LENGTH),
    ),
]


class RequireAllowlistBody(msgspec.Struct, forbid_unknown_fields=True):
    patterns: Patterns


class RequireAllowlistOut(msgspec.Struct):
    patterns: list[str]
