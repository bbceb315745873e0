"""An operator creates an account: verified or not, with roles, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from scripthub.application.accounts import Actor, OwnUser
from scripthub.application.audit.recording import audit_entry
from scripthub.application.authorization import Authorizer
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.application.roles.lookup import existing_role
from scripthub.application.users.change_roles import check_may_hand_out, role_change_entry
from scripthub.application.users.new_account import AccountFields, NewAccounts
from scripthub.domain.audit import RequestContext
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.errors import NotFoundError
from scripthub.domain.providers import Provider
from scripthub.domain.roles import DEFAULT_ROLE, ROLES_ASSIGN, USERS_MANAGE


@dataclass(frozen=True)
class CreateAccountCommand:
    actor: Actor
    fields: AccountFields
    roles: tuple[str, ...] = ()
    """Given besides the default role; an unknown one creates nothing."""
    verified: bool = False
    """Mark the email verified; otherwise the verification mail is queued."""
    context: RequestContext = RequestContext()


class CreateAccount:
    """Needs `users.manage`, and `roles.assign` (plus every permission the roles carry) to
    give roles; the operator at the CLI may do all of it."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        authorizer: Authorizer,
        new_accounts: NewAccounts,
        token_mail: TokenMail,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._authorizer = authorizer
        self._new_accounts = new_accounts
        self._token_mail = token_mail
        self._clock = clock

    async def execute(self, command: CreateAccountCommand) -> OwnUser:
        actor, context = command.actor, command.context
        await self._authorizer.require(actor, USERS_MANAGE, context)
        extra_roles = sorted(set(command.roles) - {DEFAULT_ROLE})
        if extra_roles:
            await self._authorizer.require(actor, ROLES_ASSIGN, context)
        user = await self._new_accounts.prepare(command.fields, verified=command.verified)
        async with self._uow_factory() as uow:
            for name in extra_roles:
                try:
                    check_may_hand_out(actor, await existing_role(uow, name))
                except NotFoundError as unknown:
                    raise NotFoundError(f"{unknown.detail} Nothing was created.") from None
            await self._new_accounts.stage(uow, user)
            if not command.verified:
                await self._token_mail.queue(uow, user, TokenPurpose.VERIFY_EMAIL)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "user.registered",
                    context,
                    actor_id=actor.user_id,
                    resource_type="user",
                    resource_id=user.id,
                    metadata={"by": "cli" if actor.user_id is None else "admin"},
                )
            )
            for name in extra_roles:
                await uow.roles.assign(user.id, name)
                entry = role_change_entry(self._clock, actor, context, user.id, name, grant=True)
                await uow.audit.record(entry)
            await uow.commit()
        return OwnUser(user, sorted({DEFAULT_ROLE, *extra_roles}), [str(Provider.EMAIL)])
