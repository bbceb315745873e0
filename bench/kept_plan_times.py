"""Server and client CPU cost of a search, as the source tree on PYTHONPATH sends it: the
CPU time the PostgreSQL backend spends per execution of the page's statement, prepared and
run with the plan it keeps after 6 executions (`runs` executions, the backend's utime +
stime from /proc: the server must be local), and the client's CPU time per search
(`time.process_time`, `runs` searches). CPU time is bent far less than wall time by a
loaded machine.

    PYTHONPATH=src .venv/bin/python bench/kept_plan_times.py URL TEXT [TEXT...] [--runs 200]

URL: a catalogue `script_lists.py --keep` left (e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/scripthub_bench_flat_1000000). Each TEXT is a
search by relevance of the public catalogue, first page. Run it with each tree's `src` in
turn (the statements differ, the catalogue is the same).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kept_plans import prepared, recorded
from scratch_database import percentiles
from side_by_side import timed_search

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.application.ports.scripts import ScriptQuery, ScriptSort

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


def p50_p95(values: list[float]) -> str:
    p50, p95 = percentiles(values)
    return f"{p50:.1f} / {p95:.1f}"


async def server_cpu(engine: AsyncEngine, statement: str, parameters: Any, runs: int) -> float:
    """Milliseconds of the backend's CPU per execution of `statement`, prepared, after the
    6 executions that settle its plan."""
    async with prepared(engine, statement, parameters) as kept:
        pid = await kept.raw.fetchval("SELECT pg_backend_pid()")
        before = _ticks(pid)
        for _ in range(runs):
            await kept.raw.execute(kept.execute)
        spent = _ticks(pid) - before
    return spent * 1000 / os.sysconf("SC_CLK_TCK") / runs


def _ticks(pid: int) -> int:
    """The process's user + system CPU time, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("texts", nargs="+")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    engine = create_engine(args.url)
    print("| search | server CPU ms per execution | client CPU ms p50 / p95 |")
    print("|---|---|---|")
    for text in args.texts:
        query = ScriptQuery(text=text, sort=ScriptSort.RELEVANCE)
        cpu = []
        for _ in range(args.runs + 6):
            with recorded(engine) as statements:
                started = time.process_time()
                await timed_search(engine, query)
                cpu.append((time.process_time() - started) * 1000)
        statement, parameters = next(
            s for s in reversed(statements) if s[0].lstrip().startswith(("SELECT", "WITH"))
        )
        server = await server_cpu(engine, statement, parameters, args.runs)
        print(f"| q={text} | {server:.2f} | {p50_p95(cpu[6:])} |", flush=True)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
