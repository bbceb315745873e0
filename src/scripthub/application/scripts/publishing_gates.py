"""What an account must pass to publish a script or a version, besides the version rules:
a verified email (where the policy asks for one), a new account's daily quota, and the
`@require`/`@resource` allow-list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.errors import EmailNotVerifiedError, NotFoundError, PublishQuotaError
from scripthub.domain.require_policy import check_required_urls, required_urls
from scripthub.domain.script_versions import VersionDraft

QUOTA_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class PublishingPolicy:
    requires_verified_email: bool = False
    new_account_for: timedelta = timedelta(0)
    """How long an account is new (its publications counted); zero: never."""
    new_account_daily_publishes: int = 10
    """Scripts and versions a new account may publish in any 24 hours."""


@dataclass(frozen=True)
class PublishingGates:
    """Checked by `CreateScript` and `PublishScriptVersion` (so by source syncs too), in
    the publication's own transaction, after it locked the publisher's account
    (`hold_active_account`): so publications of one account pass one at a time, and each
    counts every one committed before it.

    In this order: EmailNotVerifiedError when the policy needs a verified email and the
    account's is not; a ValidationError on `code` naming each `@require`/`@resource` URL the
    allow-list does not admit (the list loaded once); PublishQuotaError, with the seconds
    until the oldest counted publication leaves the window, when a new account published
    `new_account_daily_publishes` in the last 24 hours.
    """

    policy: PublishingPolicy
    clock: Clock

    async def check(self, uow: UnitOfWork, publisher_id: uuid.UUID, draft: VersionDraft) -> None:
        user = await uow.users.get(publisher_id)
        if user is None:  # pragma: no cover - the account was locked, active, just before
            raise NotFoundError("User not found.")
        if self.policy.requires_verified_email and not user.email_verified:
            raise EmailNotVerifiedError("Verify your email before you publish.")
        if required_urls(draft.metadata):  # most code requires nothing: no read
            check_required_urls(draft.metadata, await uow.require_allowlist.current())
        now = self.clock.now()
        if now - user.created_at >= self.policy.new_account_for:
            return
        quota = self.policy.new_account_daily_publishes
        newest = await uow.publications.newest_since(publisher_id, now - QUOTA_WINDOW, quota)
        if len(newest) < quota:
            return
        frees_at = newest[quota - 1] + QUOTA_WINDOW
        retry_after = max(1, int((frees_at - now).total_seconds() + 0.999))
        days = self.policy.new_account_for.days
        detail = (
            f"An account publishes at most {quota} scripts or versions in 24 hours during its "
            f"first {days} days; retry in {retry_after} s."
        )
        raise PublishQuotaError(retry_after, detail)
