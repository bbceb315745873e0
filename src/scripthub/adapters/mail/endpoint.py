"""Where an SMTP mailer connects, from its URL."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


class StartTls(enum.StrEnum):
    """When an `smtp://` connection upgrades to TLS with STARTTLS."""

    OPPORTUNISTIC = "opportunistic"
    """If the server offers it (the default)."""
    REQUIRED = "required"
    """Always; fail if the server does not offer it."""
    NEVER = "never"
    """Plain text throughout."""


@dataclass(frozen=True)
class SmtpEndpoint:
    """Where and how to connect, parsed from `smtp://user:pass@host:port?starttls=...`."""

    host: str
    port: int
    implicit_tls: bool
    starttls: StartTls = StartTls.OPPORTUNISTIC
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpEndpoint:
        """Parse an `smtp://` or `smtps://` URL; user and password are percent-decoded.

        Raises:
            ValueError: the URL is not a valid SMTP URL. The message never repeats the URL,
                which may hold a password.
        """
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError("an SMTP URL starts with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("the SMTP URL has no host")
        if parts.path not in {"", "/"} or parts.fragment:
            raise ValueError("the SMTP URL has a path or fragment")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise ValueError("the SMTP URL has an invalid port") from None
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=scheme == "smtps",
            starttls=_starttls_option(parts.query, scheme),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )

    def __str__(self) -> str:
        """The endpoint without its password, for logs and errors."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        query = "" if self.implicit_tls else f"?starttls={self.starttls}"
        return f"{scheme}://{user}{self.host}:{self.port}{query}"


def _starttls_option(query: str, scheme: str) -> StartTls:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = options.keys() - {"starttls"}
    if unknown:
        raise ValueError(f"unknown SMTP URL options: {', '.join(sorted(unknown))}")
    if "starttls" not in options:
        return StartTls.OPPORTUNISTIC
    if scheme == "smtps":
        raise ValueError("starttls applies to smtp:// only; smtps:// is TLS from the start")
    try:
        return StartTls(options["starttls"].lower())
    except ValueError:
        choices = ", ".join(StartTls)
        raise ValueError(f"the starttls option is one of: {choices}") from None
