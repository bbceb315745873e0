"""CPU of GET /api/users/me, in-process: the product against the raw baseline, and against
itself with its lanes switched off (each request then goes through Litestar's route).

    .venv/bin/python bench/me_cost.py --src src
    .venv/bin/python bench/me_cost.py --commit main      # a tree without lanes: no "litestar"

run.py measures what a client sees, on a shared 2-core machine where rounds scatter with the
other sessions' load. This calls the ASGI apps directly (no server, no wrk, no scheduler),
with real PostgreSQL and Redis behind them (a fresh database, run.py's seeded accounts, one
access token), and measures process CPU time per call of:

  hello            hello_app.py, GET /hello: Litestar's floor
  raw              raw_asyncpg_app.py, GET /api/users/me
  product          the product app, GET /api/users/me
  product-litestar the same, with `Lanes` passing every request on to Litestar (trees with
                   lanes only)

Access lines are not written (SCRIPTHUB_LOG_LEVEL=WARNING, as in update_check_cost.py):
the servers' lines, ours and uvicorn's, cost about the same. Rounds of `--batch` calls each,
the order reversed every other round; prints the median CPU per call.
"""

# No `from __future__ import annotations`, as in guard_cost.py.
from collections.abc import Awaitable, Callable

from in_process import asgi_get, cost_bench, import_tree_under_test, timed

ME = "/api/users/me"


def main() -> None:
    own, bench = cost_bench(__doc__, rounds=20, batch=200)
    try:
        bench.create_database()
        bench.seed({})
        token = bench.access_token()
        import_tree_under_test(bench)
        import uvloop  # noqa: PLC0415

        uvloop.run(measure(token, own.rounds, own.batch))
    finally:
        bench.cleanup()


async def measure(token: str, rounds: int, batch: int) -> None:
    # Imported once the product's tree is on sys.path and the environment is set.
    import hello_app  # noqa: PLC0415
    import raw_asyncpg_app as raw  # noqa: PLC0415

    from scripthub.entrypoints.containers import build_container  # noqa: PLC0415
    from scripthub.entrypoints.http.app import create_app  # noqa: PLC0415
    from scripthub.entrypoints.settings import load_settings  # noqa: PLC0415

    product = create_app(build_container(load_settings()))
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]
    variants: dict[str, Callable[[], Awaitable[None]]] = {
        "hello": asgi_get(hello_app.app, "/hello", [(b"host", b"127.0.0.1")]),
        "raw": asgi_get(raw.app, ME, headers),
        "product": asgi_get(product, ME, headers),
    }
    litestar = through_litestar(variants["product"])
    if litestar is not None:
        variants["product-litestar"] = litestar
    median = await timed((product, raw.app), variants, rounds, batch)
    print(f"{'variant':<18} {'CPU us/call':>12}")
    for name, value in median.items():
        print(f"{name:<18} {value:>12.1f}")
    print(f"raw / product CPU {median['raw'] / median['product']:.3f}")
    if "product-litestar" in median:
        print(f"raw / product through Litestar {median['raw'] / median['product-litestar']:.3f}")


def through_litestar(
    call: Callable[[], Awaitable[None]],
) -> Callable[[], Awaitable[None]] | None:
    """`call` with the lanes passing every request on to Litestar; None for a tree without
    lanes."""
    try:
        from scripthub.entrypoints.http.lanes import Lanes  # noqa: PLC0415
    except ImportError:
        return None
    routed = Lanes._routed

    async def litestar() -> None:
        Lanes._routed = lambda *_: None  # type: ignore[method-assign]
        try:
            await call()
        finally:
            Lanes._routed = routed  # type: ignore[method-assign]

    return litestar


if __name__ == "__main__":
    main()
