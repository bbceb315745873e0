"""What the in-process cost benches share (guard_cost.py, update_check_cost.py, me_cost.py):
run.py's `Bench` for the tree under test, that tree imported in this process, and ASGI
requests without a server."""

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from run import WITHOUT_BACKGROUND_WORK, Bench, log


def cost_bench(description: str, rounds: int, batch: int) -> tuple[argparse.Namespace, Bench]:
    """The options of a cost bench (--rounds and --batch with these defaults, --commit,
    --src), and a `Bench` with run.py's defaults for the chosen tree."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--batch", type=int, default=batch, help="calls per variant and round")
    parser.add_argument("--commit", help="the product as committed at this revision")
    parser.add_argument("--src", type=Path, help="the product from this src/ folder")
    own = parser.parse_args()
    sys.argv = [sys.argv[0]]
    sys.argv += [f"--commit={own.commit}"] if own.commit else []
    sys.argv += [f"--src={own.src}"] if own.src else []
    from run import parse_args  # noqa: PLC0415 - run.py's defaults, with the options above

    return own, Bench(parse_args())


def import_tree_under_test(bench: Bench) -> None:
    """From here on, `scripthub` is the bench's tree, configured as its servers are (without
    the in-process mail dispatcher, logging warnings only)."""
    env = {k: v for k, v in bench.env.items() if k.startswith("SCRIPTHUB_")}
    os.environ.update(env, **WITHOUT_BACKGROUND_WORK, SCRIPTHUB_LOG_LEVEL="WARNING")
    sys.path.insert(0, str(bench.source))  # the tree under test, before the checkout
    for name in [m for m in sys.modules if m == "scripthub" or m.startswith("scripthub.")]:
        del sys.modules[name]


def asgi_get(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], status: int = 200
) -> Callable[[], Awaitable[None]]:
    """A GET of `path` sent straight to the ASGI `app`, from 127.0.0.1; it raises unless
    answered `status`."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def call() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 18000),
            "state": {},
        }
        statuses: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)
        if statuses != [status]:
            msg = f"{path} answered {statuses}, not {status}"
            raise RuntimeError(msg)

    return call


async def timed(
    apps: tuple[Any, ...],
    variants: dict[str, Callable[[], Awaitable[None]]],
    rounds: int,
    batch: int,
) -> dict[str, float]:
    """The median CPU microseconds per call of each variant, between the start-up and the
    shut-down of `apps`: 200 calls each first (pools, caches), then rounds of `batch` calls
    each, the order reversed every other round."""
    for app in apps:
        for handler in app.on_startup:
            await handler()
    # As a served process does once started (app.freeze_startup_heap): else every full
    # collection walks the apps and the container, and the variant that allocates more pays.
    gc.collect()
    gc.freeze()
    try:
        for call in variants.values():
            for _ in range(200):
                await call()
        log(f"{rounds} rounds of {batch} calls per variant")
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for number in range(rounds):
            for name in variants if number % 2 == 0 else list(variants)[::-1]:
                call = variants[name]
                started = time.process_time()
                for _ in range(batch):
                    await call()
                cpu[name].append(1e6 * (time.process_time() - started) / batch)
    finally:
        for app in apps:
            for handler in app.on_shutdown:
                await handler()
    return {name: statistics.median(values) for name, values in cpu.items()}
