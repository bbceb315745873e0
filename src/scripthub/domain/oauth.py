"""Rules of signing in with an OAuth provider that need no I/O: where the frontend may send
the browser afterwards, PKCE's S256 challenge, and the username a new account gets."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from urllib.parse import unquote

from scripthub.domain.errors import BadRequestError
from scripthub.domain.users import RESERVED_USERNAMES, USERNAME_PATTERN

MAX_REDIRECT_TO = 2048
_URL_TEXT = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-Fa-f]{2})*")
"""Visible ASCII that needs no escape in a URL's path, query or fragment, and escapes."""
_DOT_SEGMENTS = frozenset({".", ".."})
_NOT_IN_USERNAME = re.compile(r"[^a-z0-9_-]+")
USERNAME_BASE_LENGTH = 24
"""A derived username's base, leaving room for the suffix that makes it unique."""


def check_redirect_to(raw: str) -> str:
    """A path on the frontend, judged as a browser would read it once the frontend joins it
    to its origin, and as a router that percent-decodes it and folds compatibility characters
    (NFKC) would (BadRequestError otherwise):

    - at most `MAX_REDIRECT_TO` visible ASCII URL characters, `%` only in a well-formed escape
      of UTF-8, which decodes to no control, space or invisible character and no backslash;
    - a path (up to `?` or `#`) that starts with `/` and, decoded and then folded, gains no
      `/` (an encoded or fullwidth slash), holds no `%` or backslash, no empty segment but a
      trailing one (no `//`) and no dot segment (`.`, `..`, `%2e%2E`: browsers resolve them).
    """
    if not _is_frontend_path(raw):
        msg = (
            "redirect_to must be a path on the frontend: one leading '/', then no '//', dot "
            "segment, backslash, encoded slash, space, control or non-ASCII character."
        )
        raise BadRequestError(msg)
    return raw


def _is_frontend_path(raw: str) -> bool:
    if len(raw) > MAX_REDIRECT_TO or not raw.startswith("/") or not _URL_TEXT.fullmatch(raw):
        return False
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return False
    if "\\" in decoded or not decoded.isprintable() or any(c.isspace() for c in decoded):
        return False
    path = raw.partition("?")[0].partition("#")[0]
    decoded_path = unquote(path)
    folded_path = unicodedata.normalize("NFKC", decoded_path)
    return all(_is_plain_path(form, path.count("/")) for form in (decoded_path, folded_path))


def _is_plain_path(path: str, slashes: int) -> bool:
    segments = path.split("/")[1:]
    return (
        path.count("/") == slashes
        and "%" not in path
        and "\\" not in path
        and all(segments[:-1])
        and not any(segment in _DOT_SEGMENTS for segment in segments)
    )


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
