"""What setting a password without knowing the old one does, by reset link or by an operator:
shared by `ResetPassword` and `SetUserPassword`."""

from __future__ import annotations

import uuid
from datetime import datetime

from scripthub.application.accounts import OwnUser, inactive_account_error
from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.access_tokens import AccessToken
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.providers import Provider, ProviderLink


async def store_password_hash(
    uow: UnitOfWork, user_id: uuid.UUID, password_hash: str, now: datetime
) -> None:
    """The account row first (a password change takes it before the reset links too, so the
    two never wait for each other); refused unless the account is active."""
    if not await uow.users.set_password_hash(user_id, password_hash, now):
        raise await inactive_account_error(uow, user_id)


async def settle_new_password(uow: UnitOfWork, own: OwnUser, now: datetime) -> list[AccessToken]:
    """After the hash is stored: unused reset links and personal access tokens die (a
    password set without the old one may mean the account was taken over; a password
    change keeps the tokens), and an account that only had OAuth sign-in gains password
    sign-in. The tokens revoked."""
    user = own.user
    await uow.email_tokens.revoke_unused(user.id, TokenPurpose.RESET_PASSWORD, now)
    revoked = await uow.access_tokens.revoke_all(user.id, now)
    if str(Provider.EMAIL) not in own.providers:
        await uow.provider_links.add(
            ProviderLink(uuid.uuid4(), user.id, Provider.EMAIL, str(user.id), user.email, now)
        )
    return revoked
