"""Domain objects for the repository suites, with fixed timestamps."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from scripthub.domain.audit import AuditEntry, Outcome
from scripthub.domain.users import AccountStatus, Profile, User

T0 = datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC)


def make_user(
    name: str = "alice", *, email: str | None = None, status: AccountStatus = AccountStatus.ACTIVE
) -> User:
    return User(
        id=uuid.uuid4(),
        email=email or f"{name}@example.com",
        username=name,
        password_hash="$2b$12$" + "x" * 53,
        created_at=T0,
        updated_at=T0,
        account_status=status,
        profile=Profile(
            full_name=f"{name.title()} Liddell",
            avatar_url="https://example.com/a.png",
            phone="+44 20 7946 0000",
            bio="Line one\nline two",
            date_of_birth=date(1990, 5, 4),
            location="Oxford",
            website="https://example.com",
        ),
    )


def make_entry(
    action: str = "auth.login",
    *,
    at: datetime = T0,
    actor_id: uuid.UUID | None = None,
    resource: tuple[str | None, str | None] = ("user", "42"),
    outcome: Outcome = Outcome.SUCCESS,
) -> AuditEntry:
    return AuditEntry(
        id=uuid.uuid4(),
        occurred_at=at,
        actor_id=actor_id,
        action=action,
        resource_type=resource[0],
        resource_id=resource[1],
        outcome=outcome,
        ip_address="192.0.2.1",
        user_agent="pytest",
        metadata={"reason": "test", "attempt": 2, "tags": ["a"], "nested": {"none": None}},
    )
