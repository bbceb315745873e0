"""Personal access tokens: secrets a user makes for scripts and CI to publish or read their
scripts with, in place of a session."""

from __future__ import annotations

import enum
import secrets
import string
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from scripthub.domain.errors import FieldProblem, TokenScopeError, ValidationError
from scripthub.domain.text import control_character_problem

SECRET_PREFIX = "shp_"  # noqa: S105 - the prefix secret scanners look for, not a secret
_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_RANDOM_LENGTH = 30
_CHECKSUM_LENGTH = 6
SECRET_LENGTH = len(SECRET_PREFIX) + _RANDOM_LENGTH + _CHECKSUM_LENGTH
MAX_LIVE_TOKENS = 50
"""Live (neither revoked nor expired) tokens an account may hold."""
MAX_NAME_LENGTH = 100
MAX_SCRIPT_IDS = 100
MAX_EXPIRES_IN_DAYS = 366
DEFAULT_EXPIRES_IN_DAYS = 90
LAST_USE_PRECISION = timedelta(minutes=1)
"""`last_used_at` moves at most this often per token: no write per request."""


class TokenScope(enum.StrEnum):
    SCRIPTS_PUBLISH = "scripts:publish"
    SCRIPTS_READ = "scripts:read"


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, len(_ALPHABET))
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    # CRC32 in base62, as GitHub's tokens carry: six digits hold any 32-bit value.
    return _base62(zlib.crc32(body.encode("ascii")), _CHECKSUM_LENGTH)


def new_secret() -> str:
    """`shp_`, 30 random base62 characters (178 bits) and their checksum."""
    body = SECRET_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
    return body + _checksum(body)


def is_access_token(bearer: str) -> bool:
    """Whether a bearer token is meant as a personal access token (by its prefix)."""
    return bearer.startswith(SECRET_PREFIX)


def well_formed(secret: str) -> bool:
    """Whether the secret has the shape and checksum of one `new_secret` makes: a typo is
    refused without a lookup."""
    body, checksum = secret[:-_CHECKSUM_LENGTH], secret[-_CHECKSUM_LENGTH:]
    return (
        len(secret) == SECRET_LENGTH
        and secret.startswith(SECRET_PREFIX)
        and all(c in _ALPHABET for c in secret[len(SECRET_PREFIX) :])
        and secrets.compare_digest(_checksum(body), checksum)
    )


@dataclass(frozen=True)
class TokenGrant:
    """What a request authenticated by a token may do: its scopes, on its scripts (None: all
    its owner's, future ones too). Never its owner's roles."""

    token_id: uuid.UUID
    scopes: frozenset[TokenScope]
    script_ids: frozenset[uuid.UUID] | None

    def require_scope(self, scope: TokenScope) -> None:
        if scope not in self.scopes:
            raise TokenScopeError(f"This token lacks the '{scope}' scope.")

    @property
    def chosen_scripts(self) -> bool:
        """Whether it covers chosen scripts only (not all its owner's)."""
        return self.script_ids is not None

    def require_covers(self, script_id: uuid.UUID) -> None:
        """TokenScopeError unless the token covers the script (its scopes are the route's
        to check)."""
        if self.script_ids is not None and script_id not in self.script_ids:
            raise TokenScopeError("This token does not cover this script.")

    def require_all_scripts(self) -> None:
        """TokenScopeError unless the token covers all its owner's scripts (creating a script
        needs that: a token of chosen scripts cannot cover a new one)."""
        if self.script_ids is not None:
            raise TokenScopeError("This token covers chosen scripts only: it cannot create one.")


@dataclass(frozen=True)
class AccessToken:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    scopes: tuple[TokenScope, ...]
    """Sorted."""
    script_ids: tuple[uuid.UUID, ...] | None
    """Sorted; None: every script of the owner's, future ones too."""
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    @property
    def grant(self) -> TokenGrant:
        script_ids = None if self.script_ids is None else frozenset(self.script_ids)
        return TokenGrant(self.id, frozenset(self.scopes), script_ids)


@dataclass(frozen=True)
class TokenRequest:
    """A token's fields as asked for, checked (`check_token_request`)."""

    name: str
    scopes: tuple[TokenScope, ...]
    script_ids: tuple[uuid.UUID, ...] | None
    expires_in: timedelta


def check_token_request(
    name: str,
    scopes: list[str],
    script_ids: list[uuid.UUID] | None,
    expires_in_days: int,
) -> TokenRequest:
    """The request's fields, or ValidationError naming every field that is wrong."""
    problems: list[FieldProblem] = []
    text = name.strip()
    if not text or len(text) > MAX_NAME_LENGTH:
        problems.append(FieldProblem("name", f"1 to {MAX_NAME_LENGTH} characters"))
    elif problem := control_character_problem(text):
        problems.append(FieldProblem("name", problem))
    known = {scope.value for scope in TokenScope}
    if not scopes or not set(scopes) <= known:
        problems.append(FieldProblem("scopes", f"a non-empty list of {', '.join(sorted(known))}"))
    if script_ids is not None and not 1 <= len(set(script_ids)) <= MAX_SCRIPT_IDS:
        problems.append(FieldProblem("script_ids", f"1 to {MAX_SCRIPT_IDS} script ids"))
    if not 1 <= expires_in_days <= MAX_EXPIRES_IN_DAYS:
        problems.append(FieldProblem("expires_in_days", f"1 to {MAX_EXPIRES_IN_DAYS}"))
    if problems:
        raise ValidationError(problems)
    return TokenRequest(
        text,
        tuple(sorted(TokenScope(scope) for scope in set(scopes))),
        None if script_ids is None else tuple(sorted(set(script_ids))),
        timedelta(days=expires_in_days),
    )
