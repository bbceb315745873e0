"""The MIME form of an outgoing mail."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from scripthub.domain.mail import Email


def sender_domain(sender: str) -> str:
    """The domain of a sender such as `ScriptHub <no-reply@example.org>`.

    Raises:
        ValueError: the sender has no `local@domain` address.
    """
    _, address = parseaddr(sender)
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        raise ValueError(f"not a sender address: {sender!r}")
    return domain


def compose(email: Email, *, sender: str, domain: str) -> EmailMessage:
    """A multipart/alternative message: the text part first, the HTML part preferred.

    Raises:
        ValueError: a header value cannot be encoded (e.g. a line break in the subject).
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=domain)
    # Quoted-printable keeps non-ASCII bodies intact even through a relay without 8BITMIME.
    message.set_content(email.text, cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", cte="quoted-printable")
    return message
