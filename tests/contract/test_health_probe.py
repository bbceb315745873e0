"""The SQL health probe on a live database (an unreachable one: test_unit_of_work.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripthub.adapters.sqlalchemy.engine import SqlAlchemyHealthProbe

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


async def test_health_probe_reports_a_live_database(engine: AsyncEngine) -> None:
    assert await SqlAlchemyHealthProbe(engine).healthy()
