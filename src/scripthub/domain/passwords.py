"""Password policy: length only (no composition rules), plus a list of common passwords."""

from __future__ import annotations

from collections.abc import Collection

from scripthub.domain.errors import ValidationError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def check_password(
    password: str, common_passwords: Collection[str], field: str = "password"
) -> None:
    """Raise a ValidationError naming `field` when the password breaks the policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.single(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError.single(field, f"must be at most {MAX_PASSWORD_LENGTH} characters")
    if password.lower() in common_passwords:
        raise ValidationError.single(field, "is too common; choose a less guessable password")
