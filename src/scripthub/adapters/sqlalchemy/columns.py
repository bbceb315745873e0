"""Column types and columns that the tables of several areas share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, Index, Uuid
from sqlalchemy.dialects.postgresql import JSONB

from scripthub.adapters.sqlalchemy.utc import UtcDateTime

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def timestamps() -> tuple[Column[datetime], Column[datetime]]:
    """`created_at` and `updated_at`."""
    return (
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
    )


def user_fk(*, index: bool = True) -> Column[uuid.UUID]:
    """`user_id`, whose rows go when their user goes."""
    return Column(
        "user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=index
    )


def postgresql_only(index: Index) -> Index:
    """`index`, created on PostgreSQL only; `info["dialects"]` says so to schema checks."""
    index.info["dialects"] = {"postgresql"}
    return index.ddl_if(dialect="postgresql")
