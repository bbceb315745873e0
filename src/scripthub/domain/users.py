"""The user aggregate: account, profile and the rules on its fields."""

from __future__ import annotations

import enum
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from scripthub.domain.errors import FieldProblem, ValidationError
from scripthub.domain.text import control_character_problem, invisible_character_problem

USERNAME_PATTERN = re.compile(r"^[a-z0-9_-]{3,32}$")
RESERVED_USERNAMES = frozenset({"me"})
USERNAME_HELD_FOR = timedelta(days=30)
"""How long a deleted account's username stays taken, so that scripts, audit entries and
links naming it never point at a stranger who took it the next day."""
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"


@dataclass
class Profile:
    full_name: str | None = None
    avatar_url: str | None = None
    phone: str | None = None
    bio: str | None = None
    date_of_birth: date | None = None
    location: str | None = None
    website: str | None = None


PROFILE_TEXT_LIMITS = {
    "full_name": 255,
    "avatar_url": 2048,
    "phone": 20,
    "bio": 2000,
    "location": 255,
    "website": 255,
}
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{3,20}$")
# Spelled without flags so that the OpenAPI document states the same pattern.
URL_PATTERN = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#][^\s]*$")


@dataclass
class User:
    id: uuid.UUID
    email: str
    username: str
    password_hash: str | None
    created_at: datetime
    updated_at: datetime
    email_verified_at: datetime | None = None
    account_status: AccountStatus = AccountStatus.ACTIVE
    profile: Profile = field(default_factory=Profile)
    session_epoch: int = 0
    """Moves on with every password change or reset, suspension and deletion: a session
    started at a lower epoch has ended, whatever the session store still holds."""

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:
        return self.account_status is AccountStatus.ACTIVE


def normalize_email(raw: str) -> str:
    """Trimmed, NFKC-normalized and lower-cased, the form emails are stored and compared in.

    NFKC folds full-width and ligature forms (U+FF41 for `a`, U+FB01 for `fi`) into the
    letters they look like, so a look-alike of an existing address is the same address.
    """
    stripped = raw.strip()
    if problem := control_character_problem(stripped) or invisible_character_problem(stripped):
        raise ValidationError.single("email", problem)
    email = unicodedata.normalize("NFKC", stripped).lower()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        raise ValidationError.single("email", "must be a valid email address")
    return email


def normalize_username(raw: str) -> str:
    username = raw.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise ValidationError.single(
            "username", "must be 3 to 32 characters of a-z, 0-9, '_' and '-'"
        )
    if username in RESERVED_USERNAMES:
        raise ValidationError.single("username", "is reserved")
    return username


def check_profile(profile: Profile, today: date) -> None:
    """Raise a ValidationError listing every profile field that breaks a rule."""
    problems: list[FieldProblem] = []
    for name, limit in PROFILE_TEXT_LIMITS.items():
        value = getattr(profile, name)
        if value is None:
            continue
        allow_newlines = name == "bio"
        problem = control_character_problem(value, allow_newlines=allow_newlines)
        if problem:
            problems.append(FieldProblem(f"profile.{name}", problem))
        elif len(value) > limit:
            problems.append(FieldProblem(f"profile.{name}", f"must be at most {limit} characters"))
    if profile.phone is not None and not PHONE_PATTERN.match(profile.phone):
        problems.append(FieldProblem("profile.phone", "must be a phone number"))
    for name in ("avatar_url", "website"):
        value = getattr(profile, name)
        if value is not None and not URL_PATTERN.match(value):
            problems.append(FieldProblem(f"profile.{name}", "must be an http(s) URL"))
    born = profile.date_of_birth
    if born is not None and not (date(1800, 1, 1) <= born <= today):
        problems.append(FieldProblem("profile.date_of_birth", "must be a past date after 1800"))
    if problems:
        raise ValidationError(problems)
