"""CPU cost of a permission guard, measured in-process: no HTTP server, no wrk, no scheduler.

    .venv/bin/python bench/guard_cost.py --commit HEAD

Target (d)'s wrk pair (run.py) measures what a client sees, but on a shared 2-core machine
its rounds scatter by several percent. This calls the ASGI app of guard_app.py directly,
with real PostgreSQL and Redis behind it (a fresh database and seeded accounts, as in
run.py), and measures process CPU time per request of routes that differ only by guard:

  unguarded    the `principal` dependency only (guard_app.py)
  noop-guard   plus a guard that does nothing: Litestar's guard machinery alone
  auth-guard   plus a guard that only authenticates (the dependency then finds the principal
               cached on the connection)
  guarded      plus the product's `requires(ROLES_READ)` (guard_app.py)

Rounds of `--batch` requests per route, the route order reversed every other round; prints
for each route the median CPU per request and the median of its paired difference to the
unguarded route of the same round.
"""

# No `from __future__ import annotations`: the handlers defined inside `measure` need their
# annotations evaluated where they are written, for Litestar to read them.
import statistics
import time
from typing import Any

from in_process import asgi_get, cost_bench, import_tree_under_test
from run import log


def main() -> None:
    own, bench = cost_bench(__doc__, rounds=60, batch=100)
    try:
        bench.create_database()
        bench.seed({})
        import_tree_under_test(bench)
        token = bench.access_token("admin")
        import uvloop  # noqa: PLC0415

        uvloop.run(measure(token, own.rounds, own.batch))
    finally:
        bench.cleanup()


async def measure(token: str, rounds: int, batch: int) -> None:
    # Imported once the product's tree is on sys.path.
    from guard_app import GUARDED, UNGUARDED, create_guard_app  # noqa: PLC0415
    from litestar import get  # noqa: PLC0415
    from litestar.di import NamedDependency  # noqa: PLC0415

    from scripthub.application.accounts import Principal  # noqa: PLC0415
    from scripthub.entrypoints.http.auth import authenticate  # noqa: PLC0415

    async def noop_guard(connection: Any, _: Any) -> None:
        pass

    async def auth_guard(connection: Any, _: Any) -> None:
        await authenticate(connection)

    @get("/api/bench/noop-guard", guards=[noop_guard])
    async def noop(principal: NamedDependency[Principal]) -> dict[str, bool]:  # noqa: ARG001
        return {"ok": True}

    @get("/api/bench/auth-guard", guards=[auth_guard])
    async def auth(principal: NamedDependency[Principal]) -> dict[str, bool]:  # noqa: ARG001
        return {"ok": True}

    app = create_guard_app()
    app.register(noop)
    app.register(auth)
    routes = [UNGUARDED, "/api/bench/noop-guard", "/api/bench/auth-guard", GUARDED]
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]

    calls = {path: asgi_get(app, path, headers) for path in routes}

    for handler in app.on_startup:
        await handler()  # type: ignore[misc]
    try:
        for path in routes:  # pools, caches, prepared statements
            for _ in range(200):
                await calls[path]()
        log(f"{rounds} rounds of {batch} requests per route")
        cpu: dict[str, list[float]] = {path: [] for path in routes}
        for number in range(rounds):
            for path in routes if number % 2 == 0 else routes[::-1]:
                started = time.process_time()
                for _ in range(batch):
                    await calls[path]()
                cpu[path].append(1e6 * (time.process_time() - started) / batch)
    finally:
        for handler in app.on_shutdown:
            await handler()  # type: ignore[misc]
    base = cpu[UNGUARDED]
    print(f"{'route':<26} {'CPU us/request':>15} {'paired difference':>18}")
    for path, values in cpu.items():
        difference = statistics.median(v - b for v, b in zip(values, base, strict=True))
        print(f"{path:<26} {statistics.median(values):>15.0f} {difference:>+18.1f}")


if __name__ == "__main__":
    main()
