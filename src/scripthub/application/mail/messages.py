"""The mails ScriptHub sends, as plain text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from scripthub.domain.email_tokens import TOKEN_LIFETIMES, TokenPurpose
from scripthub.domain.mail import Email


@dataclass(frozen=True)
class MailLinks:
    """Links in mails point at the web frontend, which calls the API with the token."""

    frontend_url: str

    def for_token(self, purpose: TokenPurpose, token: str) -> str:
        page = "verify-email" if purpose is TokenPurpose.VERIFY_EMAIL else "reset-password"
        return f"{self.frontend_url}/{page}?token={quote(token)}"


_WORDING = {
    TokenPurpose.VERIFY_EMAIL: (
        "Confirm your email address for ScriptHub",
        "Please confirm that this is your email address by opening this link:",
        "Confirm my email address",
        "If you did not create a ScriptHub account, you can ignore this mail.",
    ),
    TokenPurpose.RESET_PASSWORD: (
        "Reset your ScriptHub password",
        "Somebody (hopefully you) asked to reset your ScriptHub password. Choose a new one here:",
        "Choose a new password",
        "If you did not ask for this, ignore this mail: your password stays as it is.",
    ),
}


def token_email(purpose: TokenPurpose, to: str, username: str, link: str) -> Email:
    subject, intro, action, footer = _WORDING[purpose]
    hours = int(TOKEN_LIFETIMES[purpose].total_seconds() // 3600)
    validity = f"The link works once, for {hours} hour{'s' if hours != 1 else ''}."
    text = f"Hi {username},\n\n{intro}\n\n{link}\n\n{validity}\n{footer}\n\n— ScriptHub\n"
    html = (
        f"<p>Hi {escape(username)},</p>"
        f"<p>{escape(intro)}</p>"
        f'<p><a href="{escape(link, quote=True)}">{escape(action)}</a></p>'
        f"<p>{escape(validity)}<br>{escape(footer)}</p>"
        "<p>— ScriptHub</p>"
    )
    return Email(to=to, subject=subject, text=text, html=html)
