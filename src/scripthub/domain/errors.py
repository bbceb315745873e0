"""Every error the core raises. Each carries the stable `code` of API.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of all ScriptHub errors; `code` is the machine-readable name clients see."""

    code = "bad_request"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class ValidationError(DomainError):
    code = "validation_error"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls([FieldProblem(field, message)])


class Problems:
    """Gathers the field problems of several checks, so that a request hears of them all at
    once (`found`, to raise as one ValidationError)."""

    def __init__(self) -> None:
        self.found: list[FieldProblem] = []

    def check(self, check: Callable[[], T]) -> T | None:
        """The check's result, or None after noting its ValidationError."""
        try:
            return check()
        except ValidationError as error:
            self.found.extend(error.problems)
            return None


class BadRequestError(DomainError):
    code = "bad_request"


class EmailTokenInvalidError(DomainError):
    """A mailed link's token that is unknown, used or expired."""

    code = "token_invalid"


class InvalidCredentialsError(DomainError):
    code = "invalid_credentials"


class WrongCurrentPasswordError(InvalidCredentialsError):
    """A signed-in caller's current password is wrong (password change, account deletion,
    email change): refused (403); the session is fine, so clients must not read it as
    "signed out" (401)."""


class InvalidTokenError(DomainError):
    code = "invalid_token"


class TokenExpiredError(InvalidTokenError):
    code = "token_expired"


class SessionRevokedError(InvalidTokenError):
    code = "session_revoked"


class RefreshTokenInvalidError(DomainError):
    code = "refresh_token_invalid"


class RefreshTokenReusedError(DomainError):
    code = "refresh_token_reused"


class AccountSuspendedError(DomainError):
    code = "account_suspended"


class ForbiddenError(DomainError):
    code = "forbidden"


class TokenScopeError(ForbiddenError):
    """A personal access token used beyond its scopes or scripts, or on a route no token
    may use."""

    code = "token_scope"


class EmailNotVerifiedError(ForbiddenError):
    """The account's email is not verified, and the action needs it to be."""

    code = "email_not_verified"


class NotFoundError(DomainError):
    code = "not_found"


class GoneError(DomainError):
    """A script deleted by moderation with the mode `keep`: its code is gone for good."""

    code = "gone"


class ScriptMovedError(DomainError):
    """A script deleted by moderation with the mode `redirect`: its code is at `location`
    (another script's), where installed copies follow it."""

    code = "script_moved"

    def __init__(self, detail: str, location: str) -> None:
        super().__init__(detail)
        self.location = location


class ConflictError(DomainError):
    code = "conflict"


class VisibilityLockedError(ConflictError):
    """A script that moderation unlisted may not be made public again by its owner while
    the upheld report stands."""


class EmailTakenError(ConflictError):
    code = "email_taken"


class UsernameTakenError(ConflictError):
    code = "username_taken"


class RateLimitedError(DomainError):
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests; retry in {retry_after} s.")
        self.retry_after = retry_after


class PublishQuotaError(RateLimitedError):
    """A new account published as much as it may in a day: it waits `retry_after` seconds."""

    code = "too_many_publishes"

    def __init__(self, retry_after: int, detail: str) -> None:
        super().__init__(retry_after)
        self.detail = detail
        self.args = (detail,)


class LoginThrottledError(RateLimitedError):
    """Too many wrong passwords for one account from one client: that client waits."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.detail = f"Too many failed sign-ins; retry in {retry_after} s."
        self.args = (self.detail,)


class TooManyReportsError(RateLimitedError):
    """A reporter filed as many reports as a day allows; `retry_after` says when the oldest
    of them stops counting."""

    code = "too_many_reports"

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.detail = f"You filed too many reports today; retry in {retry_after} s."
        self.args = (self.detail,)


class ServiceUnavailableError(DomainError):
    """A backing service (database, Redis, SMTP) cannot be reached.

    `service` says which, where the adapter knows (a Redis URL without its password): for
    the operator's log and the CLI, never for an HTTP client.
    """

    code = "service_unavailable"

    def __init__(self, detail: str = "", *, service: str = "") -> None:
        super().__init__(detail)
        self.service = service


class SlugTakenError(ConflictError):
    code = "slug_taken"


class PayloadTooLargeError(DomainError):
    """A value past its size limit (a script's code over 2 MiB)."""

    code = "payload_too_large"


class OAuthError(DomainError):
    """A sign-in with a provider that cannot go on: an unknown, replayed or expired state or
    one-time code, a provider that failed or answered what does not verify, no usable email."""

    code = "oauth_error"


class AccessDeniedError(OAuthError):
    """The person declined at the provider."""

    code = "access_denied"


class ProviderAlreadyLinkedError(ConflictError):
    code = "provider_already_linked"


class LastLoginMethodError(ConflictError):
    code = "last_login_method"


class SourceUnreachableError(DomainError):
    """The fetch was not made, or was stopped, for a reason that names the URL's fault: not
    https, an address that is not public, too many redirects, too large, too slow, an HTTP
    error status. `str(error)` is a short sentence fit for `last_sync.error` and a 422's
    detail; it never carries the body or the resolved addresses of a private host."""

    code = "source_unreachable"
