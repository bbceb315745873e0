"""Rows to domain objects and back, field by field: the domain knows nothing of tables."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Protocol

from scripthub.adapters.sqlalchemy.errors import NUL_MESSAGE
from scripthub.domain.audit import AuditEntry, Outcome
from scripthub.domain.errors import BadRequestError
from scripthub.domain.providers import Provider, ProviderLink
from scripthub.domain.roles import Permission, Role
from scripthub.domain.sessions import Session
from scripthub.domain.users import AccountStatus, Profile, User

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy import RowMapping

PROFILE_COLUMNS = (
    "full_name",
    "avatar_url",
    "phone",
    "bio",
    "date_of_birth",
    "location",
    "website",
)


class ColumnValues(Protocol):
    """A result row read by column name: a SQLAlchemy `RowMapping` or an asyncpg `Record`."""

    def __getitem__(self, name: str, /) -> Any: ...


def without_nul(values: dict[str, Any]) -> dict[str, Any]:
    """`values`, checked for NUL characters in any text or JSON document.

    PostgreSQL refuses NUL in text and JSONB where SQLite stores it; checking here makes both
    answer the same bad request instead of one of them failing in the driver.
    """
    if _holds_nul(values):
        raise BadRequestError(NUL_MESSAGE)
    return values


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


def user_values(user: User) -> dict[str, Any]:
    return without_nul(
        {
            "id": user.id,
            "email": user.email,
            "username": user.username,
            "password_hash": user.password_hash,
            "email_verified_at": user.email_verified_at,
            "account_status": user.account_status.value,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
        }
    )


def profile_values(user: User) -> dict[str, Any]:
    profile = user.profile
    return without_nul(
        {
            "user_id": user.id,
            "full_name": profile.full_name,
            "avatar_url": profile.avatar_url,
            "phone": profile.phone,
            "bio": profile.bio,
            "date_of_birth": profile.date_of_birth,
            "location": profile.location,
            "website": profile.website,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
        }
    )


def user_from_row(row: ColumnValues) -> User:
    """A user from a `users` row joined with its profile's `PROFILE_COLUMNS` (a SQLAlchemy
    row mapping or an asyncpg record)."""
    return User(
        id=row["id"],
        email=row["email"],
        username=row["username"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        email_verified_at=row["email_verified_at"],
        account_status=AccountStatus(row["account_status"]),
        profile=Profile(
            full_name=row["full_name"],
            avatar_url=row["avatar_url"],
            phone=row["phone"],
            bio=row["bio"],
            date_of_birth=row["date_of_birth"],
            location=row["location"],
            website=row["website"],
        ),
    )


def names_by_user(
    user_ids: list[uuid.UUID], rows: Iterable[tuple[uuid.UUID, str]]
) -> dict[uuid.UUID, list[str]]:
    """(user id, name) rows as each user's sorted, distinct names; every id is a key.

    Sorted here rather than in SQL, where the order of text depends on the collation.
    """
    names: dict[uuid.UUID, set[str]] = {user_id: set() for user_id in user_ids}
    for user_id, name in rows:
        names[user_id].add(name)
    return {user_id: sorted(held) for user_id, held in names.items()}


def provider_link_values(link: ProviderLink) -> dict[str, Any]:
    return without_nul(
        {
            "id": link.id,
            "user_id": link.user_id,
            "provider": link.provider.value,
            "provider_user_id": link.provider_user_id,
            "email": link.email,
            "provider_data": link.provider_data,
            "linked_at": link.linked_at,
            "created_at": link.linked_at,
            "updated_at": link.linked_at,
        }
    )


def provider_link_from_row(row: RowMapping) -> ProviderLink:
    return ProviderLink(
        id=row["id"],
        user_id=row["user_id"],
        provider=Provider(row["provider"]),
        provider_user_id=row["provider_user_id"],
        email=row["email"],
        linked_at=row["linked_at"],
        provider_data=dict(row["provider_data"]),
    )


def role_values(role: Role, now: datetime) -> dict[str, Any]:
    """A new `roles` row (without permissions: those are rows of `role_permissions`)."""
    return without_nul(
        {
            "id": uuid.uuid4(),
            "name": role.name,
            "description": role.description,
            "system": role.system,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )


def permission_values(permission: Permission, now: datetime) -> dict[str, Any]:
    return without_nul(
        {
            "id": uuid.uuid4(),
            "name": permission.name,
            "description": permission.description,
            "resource": permission.resource,
            "action": permission.action,
            "created_at": now,
            "updated_at": now,
        }
    )


def audit_entry_values(entry: AuditEntry) -> dict[str, Any]:
    return without_nul(
        {
            "id": entry.id,
            "occurred_at": entry.occurred_at,
            "actor_id": entry.actor_id,
            "action": entry.action,
            "resource_type": entry.resource_type,
            "resource_id": entry.resource_id,
            "outcome": entry.outcome.value,
            "ip_address": entry.ip_address,
            "user_agent": entry.user_agent,
            "metadata": entry.metadata,
            "created_at": entry.occurred_at,
            "updated_at": entry.occurred_at,
        }
    )


def audit_entry_from_row(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        occurred_at=row["occurred_at"],
        actor_id=row["actor_id"],
        action=row["action"],
        resource_type=row["resource_type"],
        resource_id=row["resource_id"],
        outcome=Outcome(row["outcome"]),
        ip_address=row["ip_address"],
        user_agent=row["user_agent"],
        metadata=dict(row["metadata"]),
    )


def session_values(session: Session, token_hash: str) -> dict[str, Any]:
    return without_nul(
        {
            "id": session.id,
            "user_id": session.user_id,
            "token_hash": token_hash,
            "created_at": session.created_at,
            "last_used_at": session.last_used_at,
            "expires_at": session.expires_at,
            "user_agent": session.user_agent,
            "ip_address": session.ip_address,
            "provider": session.provider,
            "updated_at": session.last_used_at,
        }
    )


def session_from_row(row: RowMapping) -> Session:
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        expires_at=row["expires_at"],
        user_agent=row["user_agent"],
        ip_address=row["ip_address"],
        provider=row["provider"],
    )
