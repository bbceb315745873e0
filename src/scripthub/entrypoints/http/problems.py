"""The one place where errors become RFC 9457 problem+json responses."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Empty, HTTPResponseStartEvent, HTTPScope, Scope, Send
from litestar.utils.scope.state import ScopeState

from scripthub.application.ports.system import RateBudgetSpentError, RateLimitState
from scripthub.domain import errors
from scripthub.entrypoints.http.body_problems import BODY, STRICT_BODY, body_problems
from scripthub.entrypoints.http.requests import ClientDisconnectedError, disconnected_status

logger = logging.getLogger("scripthub.http")

PROBLEM_JSON = "application/problem+json"

STATUS_BY_CODE: dict[str, int] = {
    "validation_error": 422,
    "source_unreachable": 422,
    "invalid_credentials": 401,
    "invalid_token": 401,
    "token_expired": 401,
    "refresh_token_invalid": 401,
    "refresh_token_reused": 401,
    "session_revoked": 401,
    "account_suspended": 403,
    "email_not_verified": 403,
    "forbidden": 403,
    "token_scope": 403,
    "not_found": 404,
    "gone": 410,
    "script_moved": 301,
    "email_taken": 409,
    "username_taken": 409,
    "slug_taken": 409,
    "last_login_method": 409,
    "provider_already_linked": 409,
    "conflict": 409,
    "rate_limited": 429,
    "too_many_publishes": 429,
    "too_many_reports": 429,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "bad_request": 400,
    "token_invalid": 400,
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
    408: "request_timeout",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    431: "header_fields_too_large",
    503: "service_unavailable",
}
INTERNAL_ERROR = "internal_error"
UNEXPECTED_DETAIL = "Something went wrong on our side."
ERROR_CODES: list[str] = sorted({*STATUS_BY_CODE, *CODE_BY_STATUS.values(), INTERNAL_ERROR})
"""Every `code` a problem may carry (the enum of the OpenAPI document's Problem schema)."""
TITLES: dict[int, str] = {
    301: "Moved Permanently",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


_UNAVAILABLE_KEY = "scripthub.unavailable"


def remember_unavailable(scope: Scope, error: errors.ServiceUnavailableError) -> None:
    """Keep why a request is answered 503, for `Traffic` to log once per outage."""
    scope["state"][_UNAVAILABLE_KEY] = error


def unavailable_cause(scope: Scope) -> errors.ServiceUnavailableError | None:
    cause: errors.ServiceUnavailableError | None = scope.get("state", {}).get(_UNAVAILABLE_KEY)
    return cause


class MissingBearerTokenError(errors.InvalidTokenError):
    """No `Authorization: Bearer` header was sent at all (RFC 6750: no error attribute)."""


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
    await _send_problem_body(send, status, problem_body(status, code, detail), headers or {})


async def _send_problem_body(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    encoded = msgspec.json.encode(body)
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        # In the order of Litestar's responses: a lane's problem is the route's, to the byte.
        "headers": [
            *((k.lower().encode(), v.encode()) for k, v in headers.items()),
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(encoded)).encode()),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": encoded, "more_body": False})


def problem(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    body = problem_body(status, code, detail)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_of(exc: errors.DomainError) -> int:
    if isinstance(exc, errors.WrongCurrentPasswordError):
        return 403  # the session is fine: a 401 would read as "signed out" to clients
    return STATUS_BY_CODE.get(exc.code, 400)


def _domain_problem(
    scope: Scope, exc: errors.DomainError
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The status, body and headers of the problem a domain error is answered with."""
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, MissingBearerTokenError):
        headers["WWW-Authenticate"] = 'Bearer realm="scripthub"'
    elif isinstance(
        exc,
        errors.InvalidTokenError | errors.RefreshTokenInvalidError | errors.RefreshTokenReusedError,
    ):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(exc, errors.ScriptMovedError):
        headers["Location"] = exc.location
    if isinstance(exc, errors.RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, RateBudgetSpentError):
        headers |= rate_limit_headers(exc.state)
    body = problem_body(status, exc.code, exc.detail)
    if isinstance(exc, errors.ValidationError):
        body["errors"] = [{"field": p.field, "message": p.message} for p in exc.problems]
    if isinstance(exc, errors.ServiceUnavailableError):
        remember_unavailable(scope, exc)
    return status, body, headers


def domain_error_to_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, errors.DomainError)  # noqa: S101 - registered for DomainError only
    status, body, headers = _domain_problem(request.scope, exc)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def send_error_problem(scope: HTTPScope, send: Send, exc: Exception) -> None:
    """Answer an error as the exception handlers below would, straight from ASGI (for a
    layer that answers a route's requests itself: `CodeLane`)."""
    if isinstance(exc, errors.DomainError):
        await _send_problem_body(send, *_domain_problem(scope, exc))
        return
    _log_unexpected(scope["method"], scope["path"], exc)
    await send_problem(send, 500, INTERNAL_ERROR, UNEXPECTED_DETAIL)


def _request_body_problems(request: Request[Any, Any, Any]) -> list[errors.FieldProblem]:
    """Every problem of the body Litestar refused (it names only the first, under `data`)."""
    decoded = ScopeState.from_scope(request.scope).json
    data_field = request.route_handler.parsed_data_field
    if decoded is Empty or data_field is None:
        return [errors.FieldProblem(BODY, "is required")]
    # Litestar converts with its own hooks: should it refuse what msgspec alone accepts,
    # the body is still named.
    strict = bool(request.route_handler.opt.get(STRICT_BODY))
    return body_problems(decoded, data_field.annotation, strict=strict) or [
        errors.FieldProblem(BODY, "is invalid")
    ]


def validation_to_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ValidationException)  # noqa: S101 - registered for it only
    extra = exc.extra if isinstance(exc.extra, list) else []
    sources = {item.get("source") for item in extra if isinstance(item, dict)}
    if "body" in sources:
        return domain_error_to_problem(
            request, errors.ValidationError(_request_body_problems(request))
        )
    parts = [
        f"{item.get('key')}: {item.get('message')}" for item in extra if isinstance(item, dict)
    ]
    return problem(400, "bad_request", "; ".join(parts) or str(exc.detail))


def http_exception_to_problem(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for it only
    status = exc.status_code
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        logger.error("HTTP %s: %s", status, exc.detail)
        return problem(status, CODE_BY_STATUS.get(status, INTERNAL_ERROR), TITLES.get(status, ""))
    allow = {k.lower(): v for k, v in (exc.headers or {}).items()}.get("allow")
    headers = {"Allow": allow} if allow else None
    return problem(status, CODE_BY_STATUS.get(status, "bad_request"), exc.detail, headers=headers)


def _log_unexpected(method: str, path: str, exc: Exception) -> None:
    logger.error("unhandled error on %s %s", method, path, exc_info=exc)


def unexpected_to_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    _log_unexpected(request.method, request.url.path, exc)
    return problem(500, INTERNAL_ERROR, UNEXPECTED_DETAIL)


def disconnected_to_status(request: Request[Any, Any, Any], _: Exception) -> Response[None]:
    """Nothing to send to a closed connection: only the status it is counted under."""
    return Response(None, status_code=disconnected_status(request.scope))


EXCEPTION_HANDLERS = {
    ClientDisconnectedError: disconnected_to_status,
    errors.DomainError: domain_error_to_problem,
    ValidationException: validation_to_problem,
    HTTPException: http_exception_to_problem,
    Exception: unexpected_to_problem,
}
