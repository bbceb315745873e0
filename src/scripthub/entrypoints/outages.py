"""Saying once, not once per request, that a backing store stopped answering, and when it
answers again."""

from __future__ import annotations

import logging


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

    def worked(self) -> None:
        if self._ongoing:
            self._ongoing = False
            self._logger.info("%s", self._resumed)
