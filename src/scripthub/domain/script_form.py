"""What a version's metadata block fills in of its script (Greasy Fork's rule): the name,
description, license and language a publication leaves out, the name, description and
license each new version brings, and the localized names and descriptions.

Keys are read as Violentmonkey reads them: case-sensitively (`read_metadata` refuses a known
key in another case), the first value of a key given twice, and the locale of `@name:xx` in
any case (Violentmonkey lower-cases it, so `@name:FR` and `@name:fr` are one locale).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from scripthub.domain.errors import FieldProblem, Problems, ValidationError
from scripthub.domain.scripts import (
    Language,
    LocalizedText,
    check_description,
    check_license,
    check_name,
)
from scripthub.domain.userscript_metadata import BlockKind, Metadata

LOCALE_PATTERN = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{1,8}){0,3}")
"""A locale code (`fr`, `zh-cn`, `pt_br`), lower-cased; `@name:<other>` keys are ignored."""
MAX_LOCALES = 100
"""Every script shows its localized texts, in lists too: a block may not declare more."""
_CHECKS: dict[str, Callable[[str], str]] = {"name": check_name, "description": check_description}
"""The keys a block fills the script with, localized too, by the rules of their fields."""
_LANGUAGES = {BlockKind.USERSCRIPT: Language.JAVASCRIPT, BlockKind.USERSTYLE: Language.CSS}


@dataclass(frozen=True)
class DeclaredFields:
    """The script's fields as a version's metadata block declares them; None (`localized`:
    empty) where it declares nothing usable, or for code without a block."""

    name: str | None = None
    description: str | None = None
    license: str | None = None
    """Only an SPDX expression: `@license MIT License` declares none."""
    language: Language | None = None
    localized: dict[str, LocalizedText] = field(default_factory=dict)


def declared_fields(metadata: Metadata | None) -> DeclaredFields:
    """The fields `metadata` declares, checked by the rules of the fields they fill.

    Raises ValidationError (field `code`, naming the key) for a name or description,
    localized ones included, that breaks its field's rule: a script's name follows its
    block on every version, so a block must be able to fill it.
    """
    if metadata is None:
        return DeclaredFields()
    problems = Problems()
    name, description = (_declared(problems, key, metadata.get(key)) for key in _CHECKS)
    localized = _localized(metadata, problems)
    if problems.found:
        raise ValidationError(problems.found)
    return DeclaredFields(
        name=name,
        description=description,
        license=_spdx(metadata.get("license")),
        language=_LANGUAGES[metadata.kind],
        localized=localized,
    )


def _declared(problems: Problems, key: str, value: str | None) -> str | None:
    """The value of `key` (`name`, `name:fr`) checked; None when blank or missing, or with
    its problems noted on `code`."""
    if value is None or not value.strip():
        return None
    try:
        return _CHECKS[key.partition(":")[0]](value)
    except ValidationError as error:
        problems.found.extend(
            FieldProblem("code", f"`@{key}` {problem.message}") for problem in error.problems
        )
        return None


def _spdx(value: str | None) -> str | None:
    try:
        return check_license(value)
    except ValidationError:
        return None


def _localized(metadata: Metadata, problems: Problems) -> dict[str, LocalizedText]:
    texts: dict[str, dict[str, str]] = {}
    seen: set[tuple[str, str]] = set()
    for key, value in metadata.entries:
        base, colon, locale = key.partition(":")
        locale = locale.lower()
        if base not in _CHECKS or not colon or not LOCALE_PATTERN.fullmatch(locale):
            continue
        if (base, locale) in seen:
            continue  # the first value counts, as for any key
        seen.add((base, locale))
        if (checked := _declared(problems, key, value)) is not None:
            texts.setdefault(locale, {})[base] = checked
    if len(texts) > MAX_LOCALES:
        message = f"declares a name or description in {len(texts)} locales: at most {MAX_LOCALES}"
        problems.found.append(FieldProblem("code", message))
    return {locale: LocalizedText(**text) for locale, text in sorted(texts.items())}
