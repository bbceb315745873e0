"""A source sync worker in a process of its own, for the tests that kill one: the server's
worker loop over the settings of the environment until SIGTERM.

    python -m tests.sync_worker_process
"""

from __future__ import annotations

import asyncio
import signal

from scripthub.entrypoints.containers import build_container, close_container
from scripthub.entrypoints.mail_worker import DispatcherWatch
from scripthub.entrypoints.settings import load_settings
from scripthub.entrypoints.sync_worker import sync_until

POLL_SECONDS = 0.1


async def main() -> None:
    container = build_container(load_settings(env_file=None))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    watch = DispatcherWatch(container.adapters.clock())
    print("ready", flush=True)
    await sync_until(container, stop, watch, poll_seconds=POLL_SECONDS)
    await close_container(container)


if __name__ == "__main__":
    asyncio.run(main())
