"""Move one's account to a new email address by following the mailed link."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from scripthub.application.accounts import (
    OwnUser,
    Principal,
    inactive_account_error,
    load_own_user,
)
from scripthub.application.audit.recording import audit_entry
from scripthub.application.mail.messages import email_changed_notice
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.providers import Provider

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfirmEmailChangeCommand:
    principal: Principal
    token: str
    context: RequestContext = RequestContext()


class ConfirmEmailChange:
    """Redeem an email-change link of the caller's own account: the account takes the
    address the link was mailed to (verified, since the link proves it), its former address
    is told, and links mailed to it earlier (verification, password reset, other changes)
    stop working."""

    def __init__(self, uow_factory: UnitOfWorkFactory, token_mail: TokenMail, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._token_mail = token_mail
        self._clock = clock

    async def execute(self, command: ConfirmEmailChangeCommand) -> OwnUser:
        async with self._uow_factory() as uow:
            token = await self._token_mail.find_usable(
                uow, command.token, TokenPurpose.CHANGE_EMAIL
            )
            if token.user_id != command.principal.user_id or token.new_email is None:
                raise self._token_mail.unusable()
            own = await load_own_user(uow, token.user_id)
            now = self._clock.now()
            # The account first, then its links, as a password reset takes them. The new
            # address may have been registered since the link was mailed: EmailTakenError.
            if not await uow.users.change_email(own.user.id, token.new_email, now):
                raise await inactive_account_error(uow, own.user.id)
            await self._token_mail.use(uow, token)
            for purpose in TokenPurpose:
                await uow.email_tokens.revoke_unused(own.user.id, purpose, now)
            await uow.provider_links.set_email(own.user.id, Provider.EMAIL, token.new_email, now)
            await self._token_mail.send(
                uow, email_changed_notice(own.user.email, own.user.username, token.new_email)
            )
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "user.email_changed",
                    command.context,
                    actor_id=own.user.id,
                    resource_type="user",
                    resource_id=own.user.id,
                )
            )
            await uow.commit()
        logger.info("user %s moved to a new email address", own.user.id)
        changed = replace(own.user, email=token.new_email, email_verified_at=now, updated_at=now)
        return replace(own, user=changed)
