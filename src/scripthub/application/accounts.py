"""What every module of the application shares about accounts: who is acting (`Principal`,
`Operator`) and an account as its owner sees it (`OwnUser`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.ports.unit_of_work import UnitOfWork
from scripthub.domain.access_tokens import TokenGrant
from scripthub.domain.errors import (
    AccountSuspendedError,
    DomainError,
    NotFoundError,
    ValidationError,
)
from scripthub.domain.roles import Grants
from scripthub.domain.users import AccountStatus, User, normalize_email


@dataclass(frozen=True)
class Principal:
    """The signed-in user behind a request, with what they may do."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    grants: Grants
    session_epoch: int = 0
    """The account's, as the request was authenticated: its sessions of earlier epochs have
    ended."""
    token: TokenGrant | None = None
    """Set when a personal access token authenticated the request (`session_id` is then the
    token's id, and `grants` hold none of the owner's roles, only the permissions its scopes
    need that the owner holds)."""

    def may(self, permission: str) -> bool:
        return self.grants.allows(permission)


@dataclass(frozen=True)
class Operator:
    """Whoever runs the `scripthub` command on a server: trusted with every permission, and
    audited with no user id."""

    user_id: None = None

    def may(self, permission: str) -> bool:  # noqa: ARG002 - an operator may do anything
        return True


Actor = Principal | Operator
"""Who asks for a change that needs a permission."""


@dataclass(frozen=True)
class OwnUser:
    user: User
    roles: list[str]
    providers: list[str]
    """The names of the account's sign-in methods (`email`, `github`...), sorted."""


async def load_own_user(uow: UnitOfWork, user_id: uuid.UUID) -> OwnUser:
    """The account with its roles and sign-in methods; deleted accounts are not found."""
    user = await uow.users.get(user_id)
    if user is None or user.account_status is AccountStatus.DELETED:
        raise NotFoundError("User not found.")
    roles = await uow.roles.roles_of(user_id)
    links = await uow.provider_links.list_for_user(user_id)
    return OwnUser(user, roles, sorted({str(link.provider) for link in links}))


async def inactive_account_error(uow: UnitOfWork, user_id: uuid.UUID) -> DomainError:
    """Why a write that needs an active account changed nothing: the account is suspended
    (AccountSuspendedError) or deleted (NotFoundError, as `load_own_user` answers), perhaps
    by a transaction that committed meanwhile."""
    user = await uow.users.get(user_id)
    if user is not None and user.account_status is AccountStatus.SUSPENDED:
        return AccountSuspendedError("This account is suspended.")
    return NotFoundError("User not found.")


async def hold_active_account(uow: UnitOfWork, actor: Actor) -> None:
    """Lock the acting user's active account until the unit of work ends (see
    `UserRepository.hold_active`), so that what the actor writes in it commits before a
    suspension or deletion of the account, or not at all; the error of
    `inactive_account_error` when it is no longer active. An operator has no account."""
    if actor.user_id is not None and not await uow.users.hold_active(actor.user_id):
        raise await inactive_account_error(uow, actor.user_id)


async def find_live_user(uow: UnitOfWork, target: str) -> User:
    """The account `target` names by id or by email, as an operator names it; deleted
    accounts are not found."""
    try:
        user = await uow.users.get(uuid.UUID(target))
    except ValueError:
        try:
            user = await uow.users.get_by_email(normalize_email(target))
        except ValidationError:
            user = None
    if user is None or user.account_status is AccountStatus.DELETED:
        raise NotFoundError(f"No user {target}.")
    return user
