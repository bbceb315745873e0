"""Mail that is only logged."""

from __future__ import annotations

import logging

from scripthub.domain.mail import Email

logger = logging.getLogger("scripthub.mail")


class ConsoleMailer:
    """Logs each mail (sender, recipient, subject, text body) at INFO instead of sending it.

    The embedded default, for development: links in verification mails can be copied from
    the log. Never fails.
    """

    def __init__(self, sender: str) -> None:
        self._sender = sender

    async def send(self, email: Email) -> None:
        logger.info(
            "Mail from %s to %s\nSubject: %s\n\n%s",
            self._sender,
            email.to,
            email.subject,
            email.text,
        )
