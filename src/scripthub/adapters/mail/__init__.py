"""Mailers: SMTP for real delivery, the console for development."""

from __future__ import annotations

from urllib.parse import urlsplit

from scripthub.adapters.mail.console import ConsoleMailer
from scripthub.adapters.mail.endpoint import SmtpEndpoint, StartTls
from scripthub.adapters.mail.smtp import SmtpMailer
from scripthub.application.ports.mail import Mailer

__all__ = ["ConsoleMailer", "SmtpEndpoint", "SmtpMailer", "StartTls", "mailer_from_url"]


def mailer_from_url(url: str, sender: str) -> Mailer:
    """The mailer for SCRIPTHUB_SMTP_URL: `console`, or an `smtp://` / `smtps://` URL.

    Raises:
        ValueError: any other URL, or an invalid sender address for SMTP.
    """
    if url.strip().lower() == "console":
        return ConsoleMailer(sender)
    if urlsplit(url.strip()).scheme.lower() in {"smtp", "smtps"}:
        return SmtpMailer(url, sender)
    raise ValueError("the mail URL is `console`, smtp://... or smtps://...")
