"""Where log lines go and how they look: one JSON object per line in production, readable
key=value lines elsewhere; each carries the fields bound to its request (`request_id`,
`user_id`) through structlog's context variables.

The code logs with the standard `logging` module; structlog only formats.
"""

from __future__ import annotations

import logging
from typing import Any, TextIO

import structlog

__all__ = ["EXTRA_FIELDS", "configure_logging"]

_HANDLER_NAME = "scripthub"
EXTRA_FIELDS = ("method", "route", "status", "duration_ms", "client_ip", "user_id")
"""The `extra={...}` fields a line may carry (the access log's); other record attributes
(those other handlers add, such as `asctime`) stay out."""


def _formatter(*, production: bool) -> logging.Formatter:
    """The formatter of every line: JSON in production, readable in development."""
    # The console renderer formats tracebacks itself; JSON needs them as a string first.
    rendering: list[Any] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if production
        else [structlog.dev.ConsoleRenderer(colors=False)]
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(allow=EXTRA_FIELDS),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *rendering,
        ],
    )


def configure_logging(
    *, production: bool, level: str, stream: TextIO | None = None
) -> logging.Handler:
    """Send every logger's lines (ours, uvicorn's, the libraries') to `stream` (stderr by
    default) through `_formatter`, ScriptHub's own from `level` up; the handler. Calling it
    again replaces the handler."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(_formatter(production=production))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("scripthub").setLevel(level)
    return handler
