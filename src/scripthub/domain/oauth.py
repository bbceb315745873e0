"""Rules of signing in with an OAuth provider that need no I/O: where the frontend may send
the browser afterwards, PKCE's S256 challenge, and the username a new account gets."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

from scripthub.domain.errors import BadRequestError
from scripthub.domain.users import RESERVED_USERNAMES, USERNAME_PATTERN

MAX_REDIRECT_TO = 2048
_UNSAFE_IN_PATH = re.compile(r"%(2f|5c|2e%2e)", re.IGNORECASE)
_NOT_IN_USERNAME = re.compile(r"[^a-z0-9_-]+")
USERNAME_BASE_LENGTH = 24
"""A derived username's base, leaving room for the suffix that makes it unique."""


def check_redirect_to(raw: str) -> str:
    """A path on the frontend: one leading `/`, never `//`, a scheme, a backslash, an encoded
    slash or backslash, or a control character (each could send the browser elsewhere).
    BadRequestError otherwise."""
    path = raw
    refused = (
        not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or _UNSAFE_IN_PATH.search(path) is not None
        or not path.isprintable()
        or any(character.isspace() for character in path)
        or len(path) > MAX_REDIRECT_TO
    )
    if refused:
        msg = "redirect_to must be a path on the frontend, starting with one '/'."
        raise BadRequestError(msg)
    return path


def code_challenge(code_verifier: str) -> str:
    """RFC 7636 S256: base64url of the verifier's SHA-256, without padding."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def username_base(*candidates: str | None) -> str:
    """A valid username made from the first candidate that leaves one (a provider's login,
    its display name, the local part of an email): accents dropped, lower case, other
    characters as `-`; `user` when none does."""
    for candidate in candidates:
        if not candidate:
            continue
        ascii_text = unicodedata.normalize("NFKD", candidate).encode("ascii", "ignore").decode()
        base = _NOT_IN_USERNAME.sub("-", ascii_text.lower()).strip("-_")[:USERNAME_BASE_LENGTH]
        base = base.rstrip("-_")
        if len(base) >= 3 and base not in RESERVED_USERNAMES and USERNAME_PATTERN.match(base):
            return base
    return "user"
