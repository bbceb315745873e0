"""Accounts with their profiles, in the relational store. Repositories never commit: the
unit of work does."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from scripthub.application.ports.keyset import Keyset
from scripthub.domain.users import AccountStatus, User


@dataclass(frozen=True)
class UserQuery:
    text: str | None = None
    """Case-insensitive substring of the email or the username."""
    status: AccountStatus | None = None
    after: Keyset | None = None
    limit: int = 20


class UserRepository(Protocol):
    """Accounts with their profiles.

    An existing account is only ever changed field by field, each write naming what it means
    to change and the state it expects (a status, a password hash): a transaction never
    writes back a whole account it read earlier, which would undo whatever another
    transaction changed in between. Each write waits for any concurrent write to the same
    account to end, then checks its condition against what that one committed (a row lock
    and READ COMMITTED on PostgreSQL, the database lock on SQLite), so that a write that
    returns True really happened, and stays, once the unit of work commits.
    """

    async def add(self, user: User) -> None:
        """Stage a new user with its profile.

        Raises EmailTakenError / UsernameTakenError if a live account already holds either,
        at the latest when the unit of work commits (a username held after a deletion is the
        caller's to check, with `username_in_use`).
        """

    async def get(self, user_id: uuid.UUID) -> User | None:
        """Any user by id, whatever its status."""

    async def get_by_email(self, email: str) -> User | None:
        """The live (not deleted) account with this normalized email."""

    async def get_by_username(self, username: str) -> User | None:
        """The live (not deleted) account with this normalized username."""

    async def email_in_use(self, email: str) -> bool: ...

    async def username_in_use(
        self, username: str, *, now: datetime, excluding: uuid.UUID | None = None
    ) -> bool:
        """Whether a live account other than `excluding` holds the normalized username, or
        an account deleted less than `USERNAME_HELD_FOR` before `now` held it (a deleted
        account is never changed again: its `updated_at` is when it was deleted)."""

    async def update_profile(
        self,
        user_id: uuid.UUID,
        now: datetime,
        *,
        username: str | None = None,
        profile: Mapping[str, Any] | None = None,
    ) -> User | None:
        """Set the username (unless None) and the given profile fields of an active account,
        and its `updated_at`, leaving every other field as it is.

        Returns the account as it now is, or None (changing nothing) if no active account
        has this id: it is suspended or deleted, perhaps by a transaction that committed
        meanwhile. Raises UsernameTakenError if another live account holds the username.
        """

    async def set_password_hash(
        self,
        user_id: uuid.UUID,
        password_hash: str,
        now: datetime,
        *,
        replacing: str | None = None,
    ) -> bool:
        """Set the password hash (and `updated_at`) of an active account, moving its
        `session_epoch` on; with `replacing`,
        only while its hash is still that one (the one the caller checked a password
        against). False, changing nothing, otherwise."""

    async def change_email(self, user_id: uuid.UUID, email: str, at: datetime) -> bool:
        """Move an active account to this normalized email, verified at `at` (also its
        `updated_at`); False, changing nothing, if no active account has this id. Raises
        EmailTakenError if another live account holds the email, at the latest when the unit
        of work commits."""

    async def mark_email_verified(self, user_id: uuid.UUID, at: datetime) -> bool:
        """Record the email of a live (not deleted) account as verified at `at` (also its
        `updated_at`); False, changing nothing, if it already was or there is no such
        account."""

    async def change_status(
        self,
        user_id: uuid.UUID,
        to: AccountStatus,
        now: datetime,
        *,
        only_from: Collection[AccountStatus],
    ) -> bool:
        """Move the account to status `to` (and set `updated_at`, and move its
        `session_epoch` on) if its status is one of `only_from`; False, changing nothing,
        otherwise. Deleting frees the email (see `add`), and the username once
        `USERNAME_HELD_FOR` has passed (see `username_in_use`); it also ends the account's
        co-authorships and revokes its pending invitations (see `ScriptAuthorRepository`),
        for good."""

    async def hold_active(self, user_id: uuid.UUID) -> bool:
        """Wait for, then hold until the unit of work ends, the write lock of an active
        account, changing nothing; False if it is not active (perhaps since a transaction
        that committed meanwhile). A write made on the account's behalf (a script, a
        version) so commits before a suspension or deletion of it begins, or not at all."""

    async def search(self, query: UserQuery) -> list[User]:
        """At most `query.limit` users of any status (deleted too, unless `status` says
        otherwise), newest first by (`created_at`, `id`), after `query.after`; one query."""
