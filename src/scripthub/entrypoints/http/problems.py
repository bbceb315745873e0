"""The one place where errors become RFC 9457 problem+json responses."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import HTTPResponseStartEvent, Send

from scripthub.application.ports.system import RateBudgetSpentError, RateLimitState
from scripthub.domain import errors

logger = logging.getLogger("scripthub.http")

PROBLEM_JSON = "application/problem+json"

STATUS_BY_CODE: dict[str, int] = {
    "validation_error": 422,
    "invalid_credentials": 401,
    "invalid_token": 401,
    "token_expired": 401,
    "refresh_token_invalid": 401,
    "refresh_token_reused": 401,
    "session_revoked": 401,
    "account_suspended": 403,
    "email_not_verified": 403,
    "forbidden": 403,
    "not_found": 404,
    "email_taken": 409,
    "username_taken": 409,
    "slug_taken": 409,
    "last_login_method": 409,
    "provider_already_linked": 409,
    "conflict": 409,
    "rate_limited": 429,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "bad_request": 400,
    "oauth_error": 400,
    "access_denied": 400,
    "service_unavailable": 503,
}
CODE_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "service_unavailable",
}
TITLES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class MissingBearerTokenError(errors.InvalidTokenError):
    """No `Authorization: Bearer` header was sent at all (RFC 6750: no error attribute)."""


_NAMED_FIELD = re.compile(r"(unknown|missing required) field `([^`]*)`")
_PATH = re.compile(r" - at `\$\.data\.?([^`]*)`")
_FIELD_MESSAGES = {"unknown": "is not an accepted field", "missing required": "is required"}


def rate_limit_headers(state: RateLimitState) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(state.limit),
        "RateLimit-Remaining": str(state.remaining),
        "RateLimit-Reset": str(state.reset_after),
    }


def problem_body(status: int, code: str, detail: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }


async def send_problem(
    send: Send, status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> None:
    """Answer with a problem straight from ASGI middleware, before any route runs."""
    body = msgspec.json.encode(problem_body(status, code, detail))
    raw_headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": raw_headers,
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    field_errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body = problem_body(status, code, detail)
    if field_errors is not None:
        body["errors"] = field_errors
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error_to_problem(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, errors.DomainError)  # noqa: S101 - registered for DomainError only
    status = STATUS_BY_CODE.get(exc.code, 400)
    if isinstance(exc, errors.WrongCurrentPasswordError):
        status = 403
    headers: dict[str, str] = {}
    if isinstance(exc, MissingBearerTokenError):
        headers["WWW-Authenticate"] = 'Bearer realm="scripthub"'
    elif isinstance(
        exc,
        errors.InvalidTokenError | errors.RefreshTokenInvalidError | errors.RefreshTokenReusedError,
    ):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(exc, errors.RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, RateBudgetSpentError):
        headers |= rate_limit_headers(exc.state)
    field_errors = None
    if isinstance(exc, errors.ValidationError):
        field_errors = [{"field": p.field, "message": p.message} for p in exc.problems]
    if isinstance(exc, errors.ServiceUnavailableError):
        logger.warning("backing service unavailable: %s", exc.detail)
    return problem(status, exc.code, exc.detail, field_errors=field_errors, headers=headers)


def _body_field_errors(exc: ValidationException) -> list[dict[str, str]]:
    """Name the offending field from msgspec's message, e.g. "Expected `str` - at `$.data.x`"."""
    cause = str(exc.__cause__ or "")
    path_match = _PATH.search(cause)
    path = path_match.group(1) if path_match else ""
    message = cause.split(" - at ", maxsplit=1)[0] if cause else "is invalid"
    named = _NAMED_FIELD.search(cause)
    if named:
        path = f"{path}.{named.group(2)}" if path else named.group(2)
        message = _FIELD_MESSAGES[named.group(1)]
    return [{"field": path or "body", "message": message}]


def validation_to_problem(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ValidationException)  # noqa: S101 - registered for it only
    extra = exc.extra if isinstance(exc.extra, list) else []
    sources = {item.get("source") for item in extra if isinstance(item, dict)}
    if "body" in sources:
        field_errors = _body_field_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors)
        return problem(422, "validation_error", detail, field_errors=field_errors)
    parts = [
        f"{item.get('key')}: {item.get('message')}" for item in extra if isinstance(item, dict)
    ]
    return problem(400, "bad_request", "; ".join(parts) or str(exc.detail))


def http_exception_to_problem(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for it only
    status = exc.status_code
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        logger.error("HTTP %s: %s", status, exc.detail)
        return problem(status, CODE_BY_STATUS.get(status, "internal_error"), TITLES.get(status, ""))
    allow = {k.lower(): v for k, v in (exc.headers or {}).items()}.get("allow")
    headers = {"Allow": allow} if allow else None
    return problem(status, CODE_BY_STATUS.get(status, "bad_request"), exc.detail, headers=headers)


def unexpected_to_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal_error", "Something went wrong on our side.")


EXCEPTION_HANDLERS = {
    errors.DomainError: domain_error_to_problem,
    ValidationException: validation_to_problem,
    HTTPException: http_exception_to_problem,
    Exception: unexpected_to_problem,
}
