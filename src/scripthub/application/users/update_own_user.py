"""Change one's own username and profile."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from scripthub.application.accounts import (
    OwnUser,
    Principal,
    inactive_account_error,
    load_own_user,
)
from scripthub.application.audit.recording import audit_entry
from scripthub.application.ports.system import Clock
from scripthub.application.ports.unit_of_work import UnitOfWorkFactory
from scripthub.domain.audit import RequestContext
from scripthub.domain.errors import AccountSuspendedError, UsernameTakenError, ValidationError
from scripthub.domain.users import Profile, check_profile, normalize_username

PROFILE_FIELDS = frozenset(f.name for f in fields(Profile))


@dataclass(frozen=True)
class UpdateOwnUserCommand:
    """Only what the client sent: `username` None means unchanged; a profile value None clears."""

    principal: Principal
    username: str | None = None
    profile_changes: dict[str, Any] = field(default_factory=dict)
    context: RequestContext = RequestContext()


class UpdateOwnUser:
    """Apply only the fields the client sent; validate the resulting profile as a whole.

    Only the fields that change are written, so a concurrent change to anything else of the
    account (its status, password, verification) stays as it is. The account must be active:
    an edit that comes after a suspension or deletion (even one committed a moment earlier)
    changes nothing and is refused.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def execute(self, command: UpdateOwnUserCommand) -> OwnUser:
        unknown = set(command.profile_changes) - PROFILE_FIELDS
        if unknown:
            raise ValidationError.single(f"profile.{min(unknown)}", "is not a profile field")
        username = None if command.username is None else normalize_username(command.username)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            own = await load_own_user(uow, command.principal.user_id)
            user = own.user
            if not user.is_active:
                raise AccountSuspendedError("This account is suspended.")
            profile_changes = {
                name: value
                for name, value in command.profile_changes.items()
                if getattr(user.profile, name) != value
            }
            changed = sorted(f"profile.{name}" for name in profile_changes)
            new_username = None
            if username is not None and username != user.username:
                if await uow.users.username_in_use(username, now=now, excluding=user.id):
                    raise UsernameTakenError("This username is taken.")
                new_username = username
                changed.append("username")
            check_profile(replace(user.profile, **command.profile_changes), now.date())
            if not changed:
                return own
            updated = await uow.users.update_profile(
                user.id, now, username=new_username, profile=profile_changes
            )
            if updated is None:
                raise await inactive_account_error(uow, user.id)
            await uow.audit.record(
                audit_entry(
                    self._clock,
                    "user.updated",
                    command.context,
                    actor_id=user.id,
                    resource_type="user",
                    resource_id=user.id,
                    metadata={"fields": changed},
                )
            )
            await uow.commit()
        return replace(own, user=updated)
