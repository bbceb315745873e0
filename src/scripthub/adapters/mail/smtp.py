"""Mail over SMTP, with aiosmtplib."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterable

import aiosmtplib

from scripthub.adapters.mail.endpoint import SmtpEndpoint, StartTls
from scripthub.adapters.mail.message import compose, sender_domain
from scripthub.application.ports.mail import MailDeliveryError
from scripthub.domain.mail import Email

logger = logging.getLogger("scripthub.mail")

# aiosmtplib's `start_tls`: None upgrades only if the server offers STARTTLS.
_START_TLS_FLAG: dict[StartTls, bool | None] = {
    StartTls.OPPORTUNISTIC: None,
    StartTls.REQUIRED: True,
    StartTls.NEVER: False,
}


class SmtpMailer:
    """Sends mail to an SMTP server: `smtp://[user:pass@]host[:port][?starttls=...]` (port
    587 by default) or `smtps://[user:pass@]host[:port]` (implicit TLS, port 465 by default).

    On `smtp://`, the `starttls` query option says when to upgrade the connection to TLS:
    `opportunistic` (the default: if the server offers STARTTLS), `required` (fail unless it
    does; use it in production when there are credentials, since an opportunistic upgrade
    can be stripped by an attacker on the path), or `never`. Server certificates are
    verified against the system's trust store, or against `tls_context` when given (a
    private CA, or tests).

    Each `send` opens its own connection and closes it afterwards: mail volume is low, so a
    pool is not worth its reconnect logic. `timeout` bounds each network step (connect,
    each command), not the whole exchange.

    Failures raise `MailDeliveryError`: refused or timed-out connections, TLS failures and
    4xx replies are transient (`permanent=False`); 5xx replies (recipient, sender, message
    or authentication rejected) and mails that cannot be encoded are permanent. The password
    never appears in logs or errors.
    """

    def __init__(
        self,
        url: str,
        sender: str,
        timeout: float = 10.0,
        *,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._endpoint = SmtpEndpoint.from_url(url)
        self._sender = sender
        self._domain = sender_domain(sender)
        self._timeout = timeout
        self._tls_context = tls_context

    @property
    def endpoint(self) -> SmtpEndpoint:
        return self._endpoint

    async def send(self, email: Email) -> None:
        try:
            message = compose(email, sender=self._sender, domain=self._domain)
        except ValueError as exc:
            raise MailDeliveryError(f"cannot compose the mail: {exc}", permanent=True) from exc
        endpoint = self._endpoint
        try:
            refused, _ = await aiosmtplib.send(
                message,
                hostname=endpoint.host,
                port=endpoint.port,
                username=endpoint.username,
                password=endpoint.password,
                use_tls=endpoint.implicit_tls,
                start_tls=False if endpoint.implicit_tls else _START_TLS_FLAG[endpoint.starttls],
                tls_context=self._tls_context,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Before ValueError: ssl.SSLCertVerificationError is both.
            logger.debug("Mail to %s via %s failed: %r", email.to, endpoint, exc)
            raise _delivery_error(exc) from exc
        except ValueError as exc:
            # aiosmtplib refuses addresses that could smuggle commands into the envelope.
            raise MailDeliveryError(f"invalid address: {exc}", permanent=True) from exc
        if refused:
            raise _recipients_refused(
                (recipient, reply.code, reply.message) for recipient, reply in refused.items()
            )
        logger.debug("Mail to %s sent via %s", email.to, endpoint)


def _is_permanent(code: int) -> bool:
    return 500 <= code < 600


def _recipients_refused(refusals: Iterable[tuple[str, int, str]]) -> MailDeliveryError:
    replies = list(refusals)
    reason = "; ".join(f"{recipient}: {code} {text}" for recipient, code, text in replies)
    permanent = all(_is_permanent(code) for _, code, _ in replies)
    return MailDeliveryError(f"recipient refused: {reason}", permanent=permanent)


def _delivery_error(exc: aiosmtplib.SMTPException | OSError) -> MailDeliveryError:
    """Translate an aiosmtplib or socket failure: 5xx replies are permanent, the rest not."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return _recipients_refused((r.recipient, r.code, r.message) for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        kind = type(exc).__name__.removeprefix("SMTP")
        return MailDeliveryError(
            f"{kind}: {exc.code} {exc.message}", permanent=_is_permanent(exc.code)
        )
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        # The server lacks an extension this mail needs (SMTPUTF8 for a non-ASCII address).
        return MailDeliveryError(str(exc), permanent=True)
    return MailDeliveryError(f"{type(exc).__name__}: {exc}", permanent=False)
