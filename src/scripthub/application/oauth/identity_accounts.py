"""Which account a provider identity signs in to, and linking identities to accounts: the
account rules of API.md "OAuth", each step in one transaction with its audit entry."""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING

from scripthub.application.audit.recording import audit_entry
from scripthub.domain.errors import (
    AccountSuspendedError,
    ConflictError,
    EmailTakenError,
    OAuthError,
    ProviderAlreadyLinkedError,
    ValidationError,
)
from scripthub.domain.oauth import username_base
from scripthub.domain.providers import ProviderLink
from scripthub.domain.roles import DEFAULT_ROLE
from scripthub.domain.users import AccountStatus, Profile, User, check_profile, normalize_email

if TYPE_CHECKING:
    from datetime import datetime

    from scripthub.application.ports.oauth import ProviderIdentity
    from scripthub.application.ports.system import Clock
    from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
    from scripthub.domain.audit import RequestContext

SIGN_IN_ATTEMPTS = 3
"""Transactions tried while concurrent sign-ins create or link the same identity or email."""
USERNAME_ATTEMPTS = 20


def _usable(user: User | None) -> User:
    """An account a provider may sign in to: AccountSuspendedError if suspended; a deleted
    one is no account (OAuthError)."""
    if user is None or user.account_status is AccountStatus.DELETED:
        raise OAuthError("The account of this identity no longer exists.")
    if user.account_status is AccountStatus.SUSPENDED:
        raise AccountSuspendedError("This account is suspended.")
    return user


def _link_of(user_id: uuid.UUID, identity: ProviderIdentity, at: datetime) -> ProviderLink:
    return ProviderLink(
        id=uuid.uuid4(),
        user_id=user_id,
        provider=identity.provider,
        provider_user_id=identity.provider_user_id,
        email=identity.email,
        linked_at=at,
        provider_data={"login": identity.login, "name": identity.name},
    )


class IdentityAccounts:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def sign_in_account(self, identity: ProviderIdentity, context: RequestContext) -> User:
        """The account `identity` signs in to: the one it is linked to; else the account of
        its email when both the provider and the account verified it (linked now); else
        EmailTakenError when that email is in use; else a new account. OAuthError when the
        provider gave no usable email and no account is linked."""
        for _ in range(SIGN_IN_ATTEMPTS):
            try:
                async with self._uow_factory() as uow:
                    user = await self._account_for(uow, identity, context)
                    await uow.commit()
            except EmailTakenError:
                raise
            except ConflictError:
                continue  # a concurrent sign-in linked or created meanwhile: look again
            return user
        raise OAuthError("Too many concurrent sign-ins with this identity; try again.")

    async def link(
        self, user_id: uuid.UUID, identity: ProviderIdentity, context: RequestContext
    ) -> None:
        """Link `identity` to the account (nothing if it is linked there already);
        ProviderAlreadyLinkedError if another account holds it or the account holds another
        identity of that provider."""
        try:
            async with self._uow_factory() as uow:
                _usable(await uow.users.get(user_id))
                existing = await uow.provider_links.find(
                    identity.provider, identity.provider_user_id
                )
                if existing is not None and existing.user_id == user_id:
                    return
                if existing is not None:
                    raise ProviderAlreadyLinkedError("This identity is linked to another account.")
                await self._add_link(uow, user_id, identity, context)
                await uow.commit()
        except ProviderAlreadyLinkedError:
            raise
        except ConflictError as taken:
            msg = f"This account has a {identity.provider} identity linked already."
            raise ProviderAlreadyLinkedError(msg) from taken

    async def _account_for(
        self, uow: UnitOfWork, identity: ProviderIdentity, context: RequestContext
    ) -> User:
        link = await uow.provider_links.find(identity.provider, identity.provider_user_id)
        if link is not None:
            return _usable(await uow.users.get(link.user_id))
        if identity.email is None:
            raise OAuthError("The provider gave no usable email for this identity.")
        try:
            email = normalize_email(identity.email)
        except ValidationError as unusable:
            raise OAuthError("The provider's email is not a usable address.") from unusable
        holder = await uow.users.get_by_email(email)
        if holder is None:
            return await self._new_account(uow, identity, email, context)
        if not (identity.email_verified and holder.email_verified):
            raise EmailTakenError("An account with this email already exists.")
        _usable(holder)
        await self._add_link(uow, holder.id, identity, context)
        return holder

    async def _add_link(
        self,
        uow: UnitOfWork,
        user_id: uuid.UUID,
        identity: ProviderIdentity,
        context: RequestContext,
    ) -> None:
        now = self._clock.now()
        await uow.provider_links.add(_link_of(user_id, identity, now))
        await uow.audit.record(
            audit_entry(
                self._clock,
                "auth.provider_linked",
                context,
                actor_id=user_id,
                resource_type="user",
                resource_id=user_id,
                metadata={"provider": str(identity.provider)},
            )
        )

    async def _new_account(
        self, uow: UnitOfWork, identity: ProviderIdentity, email: str, context: RequestContext
    ) -> User:
        now = self._clock.now()
        user = User(
            id=uuid.uuid4(),
            email=email,
            username=await self._free_username(uow, identity, email),
            password_hash=None,
            created_at=now,
            updated_at=now,
            email_verified_at=now if identity.email_verified else None,
            profile=self._profile(identity),
        )
        await uow.users.add(user)
        await uow.provider_links.add(_link_of(user.id, identity, now))
        await uow.roles.assign(user.id, DEFAULT_ROLE)
        await uow.audit.record(
            audit_entry(
                self._clock,
                "user.registered",
                context,
                actor_id=user.id,
                resource_type="user",
                resource_id=user.id,
                metadata={"by": "self", "provider": str(identity.provider)},
            )
        )
        return user

    async def _free_username(self, uow: UnitOfWork, identity: ProviderIdentity, email: str) -> str:
        base = username_base(identity.login, identity.name, email.partition("@")[0])
        candidate = base
        for _ in range(USERNAME_ATTEMPTS):
            if not await uow.users.username_in_use(candidate, now=self._clock.now()):
                return candidate
            candidate = f"{base}-{secrets.randbelow(10**6):06d}"
        raise OAuthError("No free username could be found; try again.")

    def _profile(self, identity: ProviderIdentity) -> Profile:
        """The provider's name and avatar, where they pass the profile's rules."""
        profile = Profile(full_name=identity.name, avatar_url=identity.avatar_url)
        try:
            check_profile(profile, self._clock.now().date())
        except ValidationError:
            return Profile()
        return profile
