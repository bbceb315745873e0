"""Where log lines go and how they look: one JSON object per line in production, readable
key=value lines elsewhere; each carries the fields bound to its request (`request_id`,
`user_id`) through structlog's context variables.

The code logs with the standard `logging` module, and structlog only formats, except for the
access line of every request (`log_access`): structlog writes that one itself, which costs a
quarter of a `logging` record through a formatter (see bench/README.md, update checks).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import msgspec
import structlog

__all__ = ["configure_logging", "log_access", "reset_logging"]

_HANDLER_NAME = "scripthub"

ACCESS_LOGGER = "scripthub.access"
_access_level = logging.getLogger(ACCESS_LOGGER)
"""Its level (SCRIPTHUB_LOG_LEVEL, through "scripthub") decides whether access lines are
written; until `configure_logging` runs, they go to it as `logging` records."""


def _access_records() -> Any:
    """Access lines as `logging` records of the access logger, for its handlers."""
    return structlog.wrap_logger(
        _access_level,
        processors=[structlog.contextvars.merge_contextvars, structlog.stdlib.render_to_log_kwargs],
        wrapper_class=structlog.stdlib.BoundLogger,
    )


_access_lines = _access_records()

_json = msgspec.json.Encoder(enc_hook=repr)


def _json_line(event: dict[str, Any], **_: Any) -> str:
    return _json.encode(event).decode()


def _rendering(*, production: bool) -> list[Any]:
    """The last processors of every line: JSON in production, readable in development."""
    # The console renderer formats tracebacks itself; JSON needs them as a string first.
    if production:
        return [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_json_line),
        ]
    return [structlog.dev.ConsoleRenderer(colors=False)]


def _formatter(*, production: bool) -> logging.Formatter:
    """The formatter of every `logging` record."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_rendering(production=production),
        ],
    )


def configure_logging(
    *, production: bool, level: str, stream: TextIO | None = None
) -> logging.Handler:
    """Send every logger's lines (ours, uvicorn's, the libraries') and the access lines to
    `stream` (stderr by default), ScriptHub's own from `level` up; the handler. Calling it
    again replaces the handler and the access lines' destination."""
    global _access_lines  # noqa: PLW0603 - the process's one destination, as the root handler
    reset_logging()
    root = logging.getLogger()
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(_formatter(production=production))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("scripthub").setLevel(level)
    _access_lines = structlog.wrap_logger(
        structlog.WriteLogger(stream or sys.stderr),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *_rendering(production=production),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=True,
    ).bind(logger=ACCESS_LOGGER)
    return handler


def reset_logging() -> None:
    """Undo `configure_logging`: lines go to the handlers the process had before."""
    global _access_lines  # noqa: PLW0603 - see configure_logging
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    _access_lines = _access_records()


def log_access(method: str, path: str, status: int, **fields: object) -> None:
    """The access line of a request, "GET /path 200" with `fields` and the request's own
    (`request_id`, from the context), unless the access logger's level is above INFO."""
    if _access_level.isEnabledFor(logging.INFO):
        _access_lines.info(f"{method} {path} {status}", method=method, status=status, **fields)
