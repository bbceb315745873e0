"""The mail a script's owner gets when a moderator decides on a version held for review."""

from __future__ import annotations

from html import escape

from scripthub.domain.mail import Email
from scripthub.domain.version_review import VersionStatus


def review_notice(
    to: str,
    username: str,
    script_name: str,
    version: str,
    status: VersionStatus,
    note: str | None,
) -> Email:
    """Approved (`published`) or rejected, with the moderator's note if any."""
    approved = status is VersionStatus.PUBLISHED
    outcome = "approved and published" if approved else "rejected: it will not be served"
    intro = f"Version {version} of your script {script_name} was reviewed and {outcome}."
    said = "" if note is None else f"\n\nThe moderator's note:\n\n{note}"
    text = f"Hi {username},\n\n{intro}{said}\n\n— ScriptHub\n"
    html_note = "" if note is None else f"<p>The moderator's note:</p><p>{escape(note)}</p>"
    html = f"<p>Hi {escape(username)},</p><p>{escape(intro)}</p>{html_note}<p>— ScriptHub</p>"
    verdict = "approved" if approved else "rejected"
    return Email(to=to, subject=f"{script_name} {version} was {verdict}", text=text, html=html)
