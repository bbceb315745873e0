"""Reading the mails the SMTP sink received: who got what, and the links in them."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

from tests.smtp_sink import SmtpSink

FRONTEND = "https://app.scripthub.test"
"""`SCRIPTHUB_FRONTEND_URL` of `mail_api`: where mailed links point."""


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, page: str) -> str:
    for line in body_of(message).splitlines():
        if line.startswith(f"{FRONTEND}/{page}?token="):
            return line
    raise AssertionError(f"no {page} link in {body_of(message)!r}")


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def next_mail(sink: SmtpSink, to: str, seen: int = 0) -> EmailMessage:
    """The first mail to `to` after the `seen` ones already received."""
    for _ in range(200):
        mails = [m for m in sink.messages if m["To"] == to]
        if len(mails) > seen:
            return mails[seen]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail number {seen + 1} to {to}")
