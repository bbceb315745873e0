"""The script aggregate: a script, its immutable versions, its ratings, and the rules on their
fields."""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scripthub.domain.errors import FieldProblem, PayloadTooLargeError, ValidationError
from scripthub.domain.spdx import is_spdx_expression
from scripthub.domain.takedowns import Takedown
from scripthub.domain.text import control_character_problem, invisible_character_problem
from scripthub.domain.version_review import VersionReview, VersionStatus

MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 5000
MAX_TAGS = 10
TAG_PATTERN = re.compile(r"^[a-z0-9-]{1,32}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9-]{3,64}$")
MIN_SLUG_LENGTH = 3
MAX_SLUG_LENGTH = 64
MAX_CODE_BYTES = 2 * 1024 * 1024
MIN_SCORE, MAX_SCORE = 1, 5


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


class Language(enum.StrEnum):
    LUA = "lua"
    JAVASCRIPT = "javascript"
    TYPESCRIPT = "typescript"
    PYTHON = "python"
    CSS = "css"
    SHELL = "shell"
    OTHER = "other"


@dataclass(frozen=True)
class VersionSummary:
    """What a script shows of its latest version."""

    version: str
    created_at: datetime
    sha256: str


@dataclass(frozen=True)
class LocalizedText:
    """A script's name and description in one locale (from its metadata block's `@name:xx`
    and `@description:xx`); None where the block gives none."""

    name: str | None = None
    description: str | None = None


@dataclass
class Script:
    """A script as the catalogue lists it. Counters (`install_count`, the rating totals) and
    the latest version summary are kept by the repository, never written back whole."""

    id: uuid.UUID
    owner_id: uuid.UUID
    slug: str
    name: str
    language: Language
    created_at: datetime
    updated_at: datetime
    description: str = ""
    license: str | None = None
    visibility: Visibility = Visibility.PUBLIC
    tags: list[str] = field(default_factory=list)
    featured: bool = False
    antifeatures: list[str] = field(default_factory=list)
    localized: dict[str, LocalizedText] = field(default_factory=dict)
    """By lower-cased locale code (`fr`, `zh-cn`), as the latest version's block has them."""
    install_count: int = 0
    rating_sum: int = 0
    rating_count: int = 0
    latest_version: VersionSummary | None = None
    deleted_at: datetime | None = None
    takedown: Takedown | None = None
    """How moderation took the script down (it is deleted then), if it did."""
    owner_username: str | None = None
    """Filled in by reads (joined from the owner's account); ignored by writes."""
    owner_active: bool = True
    """Filled in by reads, like `owner_username`: whether the owner's account is active."""

    @property
    def rating_avg(self) -> float | None:
        """The mean score with two decimals, or None while nobody rated the script."""
        return rating_average(self.rating_sum, self.rating_count)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def seen_as(self) -> Visibility:
        """Its visibility to readers: a suspended owner's scripts are hidden as private ones
        are (from everyone but holders of `scripts.update_any`) until the owner is active."""
        return self.visibility if self.owner_active else Visibility.PRIVATE


@dataclass(frozen=True)
class ScriptName:
    """What names a script in routes and caches."""

    id: uuid.UUID
    slug: str


@dataclass(frozen=True)
class ScriptVersion:
    """One immutable version, without its code (read on its own: it can be 2 MiB)."""

    id: uuid.UUID
    script_id: uuid.UUID
    version: str
    size: int
    """Bytes of the code's UTF-8 encoding."""
    sha256: str
    """Hex SHA-256 of the code's UTF-8 bytes."""
    created_at: datetime
    changelog: str | None = None
    metadata: dict[str, Any] | None = None
    widened: dict[str, Any] | None = None
    status: VersionStatus = VersionStatus.PUBLISHED
    """Only a published version is ever served to anyone but its owner and moderators."""
    review: VersionReview | None = None
    """The moderator's decision, for a version that was held."""

    @property
    def summary(self) -> VersionSummary:
        return VersionSummary(self.version, self.created_at, self.sha256)


@dataclass(frozen=True)
class VersionCode:
    """A version with its code, as the raw routes serve it."""

    version: ScriptVersion
    code: str


@dataclass(frozen=True)
class Rating:
    script_id: uuid.UUID
    user_id: uuid.UUID
    score: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RatingTotals:
    rating_sum: int
    rating_count: int

    @property
    def rating_avg(self) -> float | None:
        return rating_average(self.rating_sum, self.rating_count)


def rating_average(rating_sum: int, rating_count: int) -> float | None:
    return round(rating_sum / rating_count, 2) if rating_count else None


def check_name(name: str) -> str:
    """The name without surrounding blanks, or a ValidationError."""
    stripped = name.strip()
    problem = control_character_problem(stripped) or invisible_character_problem(
        stripped, emoji=True
    )
    if problem:
        raise ValidationError.single("name", problem)
    if not 1 <= len(stripped) <= MAX_NAME_LENGTH:
        raise ValidationError.single("name", f"must be 1 to {MAX_NAME_LENGTH} characters")
    return stripped


def check_description(description: str) -> str:
    return check_prose("description", description, MAX_DESCRIPTION_LENGTH)


def check_prose(field: str, text: str, max_length: int) -> str:
    """Free text of several lines (newlines and tabs, no other control characters) of at
    most `max_length` characters, or a ValidationError naming `field`."""
    if problem := control_character_problem(text, allow_newlines=True):
        raise ValidationError.single(field, problem)
    if len(text) > max_length:
        raise ValidationError.single(field, f"must be at most {max_length} characters")
    return text


def check_license(license_: str | None) -> str | None:
    """An SPDX license identifier or expression (`MIT`, `Apache-2.0 OR MIT`), or None."""
    if license_ is None:
        return None
    stripped = license_.strip()
    if not is_spdx_expression(stripped):
        raise ValidationError.single(
            "license", "must be an SPDX license identifier or expression, e.g. MIT"
        )
    return stripped


def normalize_tags(tags: list[str]) -> list[str]:
    """Tags lower-cased and without repeats, in the order given; a ValidationError naming
    every bad one."""
    normalized = list(dict.fromkeys(tag.strip().lower() for tag in tags))
    problems = [
        FieldProblem(f"tags[{index}]", "must be 1 to 32 characters of a-z, 0-9 and '-'")
        for index, tag in enumerate(normalized)
        if not TAG_PATTERN.fullmatch(tag)
    ]
    if len(normalized) > MAX_TAGS:
        problems.append(FieldProblem("tags", f"must be at most {MAX_TAGS} tags"))
    if problems:
        raise ValidationError(problems)
    return normalized


def check_slug(slug: str) -> str:
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValidationError.single("slug", "must be 3 to 64 characters of a-z, 0-9 and '-'")
    return slug


def slugify(name: str) -> str:
    """A slug derived from `name`: accents dropped, lower case, every run of other characters
    one '-'; padded when that leaves fewer than three characters (`script` when nothing)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    if not slug:
        return "script"
    if len(slug) < MIN_SLUG_LENGTH:
        return f"{slug}-script"
    return slug


def numbered_slug(base: str, number: int) -> str:
    """The `number`th alternative to a taken `base` slug (`base-2`, `base-3`...), cut to fit."""
    suffix = f"-{number}"
    return base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix


def check_code(code: str) -> bytes:
    """The code's UTF-8 bytes, if it is 1 byte to 2 MiB of text without NUL.

    Raises PayloadTooLargeError past 2 MiB, ValidationError for the other rules.
    """
    try:
        encoded = code.encode()
    except UnicodeEncodeError:
        raise ValidationError.single("code", "must be valid UTF-8 text") from None
    if len(encoded) > MAX_CODE_BYTES:
        raise PayloadTooLargeError(f"code must be at most {MAX_CODE_BYTES} bytes")
    if not encoded:
        raise ValidationError.single("code", "must not be empty")
    if b"\x00" in encoded:
        raise ValidationError.single("code", "must not contain NUL characters")
    return encoded


def code_digest(code: str) -> tuple[int, str]:
    """The (size in bytes, hex SHA-256) of checked code's UTF-8 bytes."""
    encoded = check_code(code)
    return len(encoded), hashlib.sha256(encoded).hexdigest()


def check_score(score: int) -> int:
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise ValidationError.single("score", f"must be {MIN_SCORE} to {MAX_SCORE}")
    return score


MAX_SEARCH_TERM_LENGTH = 64


def searched_texts(script: Script) -> dict[str, str]:
    """The text that search reads in each field of `script` (`name`, `tags`, `description`):
    the localized names count as the name, the localized descriptions as the description."""
    return field_texts(script.name, script.tags, script.description, script.localized.values())


def field_texts(
    name: str, tags: Iterable[str], description: str, localized: Iterable[LocalizedText]
) -> dict[str, str]:
    """`searched_texts` of a script with these fields."""
    texts = list(localized)
    return {
        "name": "\n".join([name, *(text.name for text in texts if text.name)]),
        "tags": " ".join(tags),
        "description": "\n".join(
            [description, *(text.description for text in texts if text.description)]
        ),
    }


def search_terms(text: str) -> list[str]:
    """The words that search matches in `text` (or looks for, in a query): runs of letters
    and digits, accents dropped and case folded; words longer than 64 characters are left
    out. Every search backend indexes and queries these exact words, so they agree.

    Chinese, Japanese and Korean write words without spaces between them: a run of their
    letters (Han, kana, Hangul) is split off the letters around it and cut into overlapping
    pairs of characters, its last character alone after them (`登录复制` is `登录 录复 复制
    制`). A word of such a run, looked for as a prefix, is then found where it is written,
    and a single character too.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(
        char for char in folded if char in _KANA_MARKS or not unicodedata.combining(char)
    )
    # Put back the Hangul syllables and voiced kana that NFKD took apart.
    composed = unicodedata.normalize("NFC", stripped)
    terms: list[str] = []
    for word in re.findall(r"[^\W_]+", composed):
        for part in _CJK_RUN.split(word):
            if _CJK_RUN.fullmatch(part):
                terms.extend(part[start : start + 2] for start in range(len(part) - 1))
                terms.append(part[-1])
            elif 0 < len(part) <= MAX_SEARCH_TERM_LENGTH:
                terms.append(part)
    return terms


def searched_terms(text: str) -> list[str]:
    """The words a search for `text` looks for: `search_terms`, without the last character
    of a CJK run of two or more, which its last pair implies (a text with the pair `登录`
    has a word starting with `录`). The same scripts match; a database estimating how many
    by each word alone would otherwise take the pair and its last character for two
    independent words, and a common pair for a rare one."""
    terms = search_terms(text)
    return [
        term
        for n, term in enumerate(terms)
        if not (n and len(term) == 1 and terms[n - 1][1:] == term and _CJK_RUN.match(term))
    ]


def whole_search_word(term: str) -> bool:
    """Whether a term of `search_terms` can only be a whole word of a text, never the start
    of a longer one: a pair of CJK letters (their runs are cut into pairs and letters)."""
    return len(term) == 2 and _CJK_RUN.fullmatch(term) is not None


_KANA_MARKS = frozenset("\u3099\u309a")
"""The kana voicing marks: part of the letter (か is not が), unlike accents."""
_CJK_RUN = re.compile(
    "(["
    "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff"  # Hangul
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b"  # ideographic marks and numbers
    "\u3040-\u30ff\u31f0-\u31ff"  # kana
    "\u3100-\u312f\u31a0-\u31bf"  # Bopomofo
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"  # Han
    "]+)"
)
