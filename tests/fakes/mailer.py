"""A mailer that delivers into a list: the in-process version of the Mailer port."""

from __future__ import annotations

from scripthub.application.ports.mail import MailDeliveryError
from scripthub.domain.mail import Email


class InMemoryMailer:
    """Keeps what it "sends" in `inbox`. Setting `refusal` makes every send fail with it,
    the way an SMTP server that is down or rejecting would."""

    def __init__(self) -> None:
        self.inbox: list[Email] = []
        self.refusal: MailDeliveryError | None = None

    async def send(self, email: Email) -> None:
        if self.refusal is not None:
            raise self.refusal
        self.inbox.append(email)
