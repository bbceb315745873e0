"""Keyset pagination, newest first, as the `Keyset` of the repository ports defines it."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVarTuple

from sqlalchemy import tuple_

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy import ColumnElement, Select

    from scripthub.application.ports.keyset import Keyset

Ts = TypeVarTuple("Ts")


def newest_first(
    statement: Select[*Ts],
    at: ColumnElement[datetime],
    id_: ColumnElement[uuid.UUID],
    after: Keyset | None,
    limit: int,
) -> Select[*Ts]:
    """`statement` ordered by (`at`, `id_`) descending, from the row after `after` on.

    A row-value comparison rather than `at < k.at OR (at = k.at AND id < k.id)`: PostgreSQL
    and SQLite (3.15+) both match it to an index on (`at`, `id_`), and PostgreSQL still uses
    an index whose columns only start with `at` (as a bound on `at` alone).
    """
    if after is not None:
        statement = statement.where(tuple_(at, id_) < (after.at, after.id))
    return statement.order_by(at.desc(), id_.desc()).limit(limit)
