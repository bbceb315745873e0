"""Make a personal access token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from scripthub.application.access_tokens.managing import require_session, token_entry
from scripthub.application.accounts import Principal, hold_active_account
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from scripthub.application.tokens import hash_token
from scripthub.domain.access_tokens import (
    DEFAULT_EXPIRES_IN_DAYS,
    MAX_LIVE_TOKENS,
    AccessToken,
    TokenRequest,
    check_token_request,
    new_secret,
)
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import (
    ConflictError,
    EmailNotVerifiedError,
    NotFoundError,
    ValidationError,
)


@dataclass(frozen=True)
class CreateAccessTokenCommand:
    principal: Principal
    name: str
    scopes: list[str]
    script_ids: list[uuid.UUID] | None = None
    expires_in_days: int = DEFAULT_EXPIRES_IN_DAYS
    context: RequestContext = RequestContext()


@dataclass(frozen=True)
class CreatedAccessToken:
    token: AccessToken
    secret: str
    """Shown this once: only its SHA-256 is kept."""


@dataclass(frozen=True)
class CreateAccessToken:
    """A new token of the caller's (audited `token.created`), whose secret is shown once.

    Needs a session (TokenScopeError for a token), a verified email (EmailNotVerifiedError),
    fewer than `MAX_LIVE_TOKENS` live tokens (ConflictError) and, when it names scripts, live
    scripts the caller owns or co-authors (ValidationError otherwise, the same for another's
    script as for a missing one). Creations on one account are serialised by the account's lock, so
    concurrent ones can never pass the limit together.
    """

    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def execute(self, command: CreateAccessTokenCommand) -> CreatedAccessToken:
        principal = command.principal
        require_session(principal)
        request = check_token_request(
            command.name, command.scopes, command.script_ids, command.expires_in_days
        )
        async with self.uow_factory() as uow:
            await hold_active_account(uow, principal)
            user = await uow.users.get(principal.user_id)
            if user is None:  # pragma: no cover - held active above
                raise NotFoundError("User not found.")
            if not user.email_verified:
                raise EmailNotVerifiedError("Verify your email before you make a token.")
            await _check_own_scripts(uow, principal, request)
            now = self.clock.now()
            if await uow.access_tokens.count_live(principal.user_id, now) >= MAX_LIVE_TOKENS:
                msg = f"An account holds at most {MAX_LIVE_TOKENS} live tokens; revoke one first."
                raise ConflictError(msg)
            secret = new_secret()
            token = AccessToken(
                id=uuid.uuid4(),
                user_id=principal.user_id,
                name=request.name,
                scopes=request.scopes,
                script_ids=request.script_ids,
                created_at=now,
                expires_at=now + request.expires_in,
            )
            await uow.access_tokens.add(token, hash_token(secret))
            await uow.audit.record(
                token_entry(self.clock, "token.created", command.context, principal, token)
            )
            await uow.commit()
        return CreatedAccessToken(token, secret)


async def _check_own_scripts(uow: UnitOfWork, principal: Principal, request: TokenRequest) -> None:
    for script_id in request.script_ids or ():
        script = await uow.scripts.get(script_id)
        if script is None or not script.may_publish(principal.user_id):
            raise ValidationError.single("script_ids", f"{script_id} is not a script of yours")
