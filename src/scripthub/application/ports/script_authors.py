"""Co-authors of scripts and the invitations that make them, in the relational store.
Repositories never commit: the unit of work does."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from scripthub.domain.script_authors import Invitation, InvitationKind


class ScriptAuthorRepository(Protocol):
    """Every change to a script's co-authors or owner starts with `hold_script`, which locks
    the script's row until the unit of work ends: such changes (and publications, which lock
    the row too) to one script are so serialised, and each checks its conditions against what
    committed before it. `scripts.authors` (read as `Script.authors`) is kept in step with
    `script_authors` in the same transaction (and with the co-authors' usernames, by
    `UserRepository.update_profile`)."""

    async def hold_script(self, script_id: uuid.UUID) -> bool:
        """Lock the live script's row until the unit of work ends; False if it is gone."""

    async def add_author(self, script_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> bool:
        """Make `user_id` a co-author (last in order); False if they already are one."""

    async def remove_author(self, script_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """False if `user_id` was no co-author."""

    async def transfer(
        self, script_id: uuid.UUID, from_owner: uuid.UUID, to_user: uuid.UUID, at: datetime
    ) -> bool:
        """Make the co-author `to_user` the owner of the live script `from_owner` owns, and
        `from_owner` a co-author (last in order), guarded on both: False, changing nothing,
        if the script is gone, is no longer `from_owner`'s or `to_user` co-authors it no
        more."""

    async def count_authors(self, script_id: uuid.UUID) -> int: ...

    async def add_invitation(self, invitation: Invitation, now: datetime) -> bool:
        """Add a pending invitation; first revokes the user's expired pending one of that kind
        to the script. False if a pending one (not expired) is there already: two sent at
        once are one and a False (or a ConflictError from the unique index)."""

    async def get_invitation(self, invitation_id: uuid.UUID) -> Invitation | None: ...

    async def count_pending(self, script_id: uuid.UUID, kind: InvitationKind, now: datetime) -> int:
        """Pending invitations of `kind` to the script not yet expired."""

    async def pending_for_user(self, user_id: uuid.UUID, now: datetime) -> list[Invitation]:
        """The user's open invitations (pending, not expired), newest first, with script
        names."""

    async def pending_for_script(self, script_id: uuid.UUID, now: datetime) -> list[Invitation]:
        """The script's open invitations, newest first, with the invited users' usernames."""

    async def accept(self, invitation_id: uuid.UUID, now: datetime) -> bool:
        """Mark an open invitation accepted; False (changing nothing) if it is no longer
        pending or has expired."""

    async def revoke_pending(
        self, script_id: uuid.UUID, now: datetime, *, user_id: uuid.UUID | None = None
    ) -> int:
        """Revoke the script's pending offers of ownership (of `user_id` only, if given) and,
        with `user_id`, their pending invitation too; how many."""
