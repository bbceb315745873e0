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
        return f"{self.frontend_url}/{_PAGES[purpose]}?token={quote(token)}"


_PAGES = {
    TokenPurpose.VERIFY_EMAIL: "verify-email",
    TokenPurpose.RESET_PASSWORD: "reset-password",
    TokenPurpose.CHANGE_EMAIL: "confirm-email",
}


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
    TokenPurpose.CHANGE_EMAIL: (
        "Confirm your new email address for ScriptHub",
        (
            "Somebody (hopefully you) asked to move a ScriptHub account to this email address."
            " Confirm it by opening this link:"
        ),
        "Confirm my new email address",
        "If you did not ask for this, ignore this mail: the account keeps its address.",
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


def email_changed_notice(to: str, username: str, new_email: str) -> Email:
    """Tells the account's former address where its mail goes now."""
    intro = f"The email address of your ScriptHub account is now {new_email}."
    footer = (
        "If you did not make this change, reset your password at once and contact us: "
        "mail for the account no longer comes here."
    )
    text = f"Hi {username},\n\n{intro}\n\n{footer}\n\n— ScriptHub\n"
    html = (
        f"<p>Hi {escape(username)},</p><p>{escape(intro)}</p><p>{escape(footer)}</p>"
        "<p>— ScriptHub</p>"
    )
    return Email(to=to, subject="Your ScriptHub email address was changed", text=text, html=html)


def sync_failed_notice(to: str, username: str, script_name: str, url: str, error: str) -> Email:
    """Tells a script's owner that syncing it from its source failed: once per failing
    streak (the next failures until a sync works again are not mailed)."""
    intro = f"ScriptHub could not sync your script {script_name} from {url}:"
    footer = (
        "Later syncs are tried as usual; you will hear again only after one has worked "
        "and another fails."
    )
    text = f"Hi {username},\n\n{intro}\n\n{error}\n\n{footer}\n\n— ScriptHub\n"
    html = (
        f"<p>Hi {escape(username)},</p><p>{escape(intro)}</p><p><code>{escape(error)}</code></p>"
        f"<p>{escape(footer)}</p><p>— ScriptHub</p>"
    )
    return Email(to=to, subject=f"Syncing {script_name} failed", text=text, html=html)
