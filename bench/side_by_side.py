"""Script lists timed through the product's repository, and the same lists timed by the
product of another source tree (`--src` of `script_lists.py`), one run at a time in turn,
so that both sides meet the same load on a shared machine.

The other tree's product runs in a child process (this file, with that tree's `src` first
on PYTHONPATH): it reads one list per line on stdin (a `ScriptQuery` and the page to time,
pickled: its classes are found by name in that tree's product), times one search of it and
writes the milliseconds on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import pickle
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from scripthub.adapters.sqlalchemy.engine import create_engine
from scripthub.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from scripthub.application.ports.scripts import ScriptPage, ScriptQuery

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncEngine


async def at_page(engine: AsyncEngine, query: ScriptQuery, page_number: int) -> ScriptQuery:
    """`query` from its page `page_number` on, reached by following the cursor."""
    after = None
    async with SqlAlchemyUnitOfWork(engine) as uow:
        for _ in range(page_number - 1):
            after = (await uow.scripts.search(dataclasses.replace(query, after=after))).next
            assert after is not None, query
    return dataclasses.replace(query, after=after)


async def timed_search(engine: AsyncEngine, query: ScriptQuery) -> tuple[float, ScriptPage]:
    """Milliseconds of one search as a use case runs it, and its page."""
    started = time.perf_counter()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        found = await uow.scripts.search(query)
    return (time.perf_counter() - started) * 1000, found


class Baseline:
    """The product of the source tree `src` (its `src/` folder), timing lists on `url`."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    @contextlib.asynccontextmanager
    async def started(cls, src: Path, url: str) -> AsyncIterator[Baseline]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            url,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(src)},
        )
        try:
            yield cls(process)
        finally:
            assert process.stdin is not None
            process.stdin.close()
            await process.wait()

    async def time(self, query: ScriptQuery, page_number: int) -> float:
        """Milliseconds of one search of `query` at its page `page_number`."""
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        request = pickle.dumps((query, page_number)).hex()
        self._process.stdin.write(request.encode() + b"\n")
        await self._process.stdin.drain()
        line = await self._process.stdout.readline()
        if not line:
            msg = f"the baseline process ended (exit code {await self._process.wait()})"
            raise RuntimeError(msg)
        return float(line)


async def serve(url: str) -> None:
    """The child: one timed search per line of stdin, one after the other."""
    engine = create_engine(url)
    pages: dict[str, ScriptQuery] = {}
    for line in sys.stdin:
        if line not in pages:
            query, page_number = pickle.loads(bytes.fromhex(line))
            pages[line] = await at_page(engine, query, page_number)
        elapsed, _ = await timed_search(engine, pages[line])
        print(elapsed, flush=True)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
