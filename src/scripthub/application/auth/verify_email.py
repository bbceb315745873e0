"""Prove an email address by following the mailed link."""

from __future__ import annotations

from dataclasses import dataclass, replace

from scripthub.application.accounts import OwnUser, load_own_user
from scripthub.application.audit.recording import audit_entry
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.email_tokens import TokenPurpose


@dataclass(frozen=True)
class VerifyEmailCommand:
    token: str
    context: RequestContext = RequestContext()


class VerifyEmail:
    """Redeem a verification link: the address is proven (once; later uses are refused)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, token_mail: TokenMail, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._token_mail = token_mail
        self._clock = clock

    async def execute(self, command: VerifyEmailCommand) -> OwnUser:
        async with self._uow_factory() as uow:
            redeemed = await self._token_mail.redeem(uow, command.token, TokenPurpose.VERIFY_EMAIL)
            own = await load_own_user(uow, redeemed.user_id)
            if own.user.email_verified_at is None:
                now = self._clock.now()
                if await uow.users.mark_email_verified(own.user.id, now):
                    own = replace(
                        own, user=replace(own.user, email_verified_at=now, updated_at=now)
                    )
                    await uow.audit.record(
                        audit_entry(
                            self._clock,
                            "auth.email_verified",
                            command.context,
                            actor_id=own.user.id,
                            resource_type="user",
                            resource_id=own.user.id,
                        )
                    )
                else:
                    # Verified through another link, or deleted, meanwhile.
                    own = await load_own_user(uow, own.user.id)
            await uow.commit()
        return own
