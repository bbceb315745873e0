"""Saying once, not once per request, that a backing store stopped answering, and when it
answers again."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scripthub.domain.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from scripthub.domain.errors import DomainError


class OutageLog:
    """Logs the first failure of an outage (a warning, with its cause) and its end (info)."""

    def __init__(self, logger: logging.Logger, stopped: str, resumed: str) -> None:
        self._logger = logger
        self._stopped = stopped
        self._resumed = resumed
        self._ongoing = False

    def failed(self, cause: str) -> None:
        if not self._ongoing:
            self._ongoing = True
            self._logger.warning("%s: %s", self._stopped, cause)

    def worked(self, how: str = "") -> None:
        if self._ongoing:
            self._ongoing = False
            self._logger.info("%s%s", self._resumed, f": {how}" if how else "")


def root_cause(error: BaseException) -> str:
    """The driver's own words for a failure our adapters wrapped (the cause chain's end)."""
    while error.__cause__ is not None:
        error = error.__cause__
    return f"{type(error).__name__}: {error}"


def described(error: DomainError) -> str:
    """A failure of a backing store as the log and the CLI say it: the detail, the service
    that met it (when the adapter names it: a URL without its password) and the driver's
    words (when a driver error lies under it)."""
    words = error.detail or error.code
    if isinstance(error, ServiceUnavailableError) and error.service:
        words += f" at {error.service}"
    if error.__cause__ is not None:
        words += f" ({root_cause(error)})"
    return words


class RequestOutages:
    """Requests answered 503 because a store is down, logged once per outage of each store
    (told apart by the error's detail: "database unavailable", "cache unavailable") with the
    endpoint that met it first and the driver's cause. The outage ends, also logged, when that
    endpoint answers again without a server error."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._outages: dict[str, OutageLog] = {}
        self._first_failed: dict[str, str] = {}
        """The endpoint that met each ongoing outage first."""

    def failed(self, endpoint: str, error: ServiceUnavailableError) -> None:
        detail = error.detail
        if detail not in self._outages:
            self._outages[detail] = OutageLog(
                self._logger, f"requests fail with 503: {detail}", f"{detail} is over"
            )
        self._first_failed.setdefault(detail, endpoint)
        at = f"{error.service}: " if error.service else ""
        self._outages[detail].failed(f"{endpoint} ({at}{root_cause(error)})")

    def answered(self, endpoint: str, status: int) -> None:
        for detail, first in list(self._first_failed.items()):
            if first == endpoint:
                del self._first_failed[detail]
                self._outages[detail].worked(f"{endpoint} answered {status}")
