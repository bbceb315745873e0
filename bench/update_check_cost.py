"""CPU of an update check (GET /api/scripts/{id}/raw answered 304), in-process, split into
the HTTP layer and the work under it: where the product's extra CPU over the raw baseline goes.

    .venv/bin/python bench/update_check_cost.py --commit HEAD

script_code.py's `update_checks` part measures what a client sees, on a shared 2-core machine
where rounds scatter. This calls the ASGI apps directly (no server, no wrk, no scheduler),
with real PostgreSQL and Redis behind them (a fresh database, the script of seed_script.py,
the latest-code cache filled by the product's first request), and measures process CPU time
per call of:

  hello             hello_app.py, GET /hello: Litestar's floor
  raw               raw_asyncpg_app.py, the update check
  raw-io            its work alone: the MULTI block and the answer's headers, as script_raw
                    does them (no Litestar)
  product           the product app, the update check (its outer layers, then
                    `CodeLane`: the use case and the answer, without Litestar)
  product-use-case  `ReadScriptCode.execute` alone, with the query the lane builds (the
                    cache's MULTI block with the rate charge, the validators, the answer)

Rounds of `--batch` calls each, the order reversed every other round; prints the median CPU
per call. The HTTP layer of each side is its full request minus its work alone.
"""

# No `from __future__ import annotations`, as in guard_cost.py.
from collections.abc import Awaitable, Callable

from in_process import asgi_get, cost_bench, import_tree_under_test, timed


def main() -> None:
    own, bench = cost_bench(__doc__, rounds=30, batch=200)
    try:
        bench.create_database()
        path, headers = bench.update_check()
        import_tree_under_test(bench)
        import uvloop  # noqa: PLC0415

        uvloop.run(measure(path, headers["If-None-Match"], own.rounds, own.batch))
    finally:
        bench.cleanup()


async def measure(path: str, tag: str, rounds: int, batch: int) -> None:
    # Imported once the product's tree is on sys.path and the environment is set.
    import hello_app  # noqa: PLC0415
    import raw_asyncpg_app as raw  # noqa: PLC0415

    from scripthub.application.ports.system import RateCharge  # noqa: PLC0415
    from scripthub.application.scripts.read_script_code import (  # noqa: PLC0415
        ReadScriptCodeQuery,
    )
    from scripthub.application.scripts.served_code import Held  # noqa: PLC0415
    from scripthub.domain.audit import RequestContext  # noqa: PLC0415
    from scripthub.entrypoints.containers import build_container  # noqa: PLC0415
    from scripthub.entrypoints.http.app import create_app  # noqa: PLC0415
    from scripthub.entrypoints.settings import load_settings  # noqa: PLC0415

    settings = load_settings()
    container = build_container(settings)
    product = create_app(container)
    conditional = [(b"host", b"127.0.0.1"), (b"if-none-match", tag.encode())]
    script_id = path.split("/")[3]
    read_script_code = container.use_cases.read_script_code()
    if hasattr(read_script_code, "__await__"):
        read_script_code = await read_script_code
    budget = settings.rate_limit_api
    query = ReadScriptCodeQuery(
        script_id,
        None,
        RequestContext("127.0.0.1", None),
        held=Held(tags=frozenset({tag.strip('"')})),
        rate_charges=(RateCharge("api:127.0.0.1", budget.requests, budget.window_seconds),),
    )

    async def product_use_case() -> None:
        read = await read_script_code.execute(query)
        if read.served.body is not None or read.rate is None:
            raise RuntimeError("not answered from the cache")

    async def raw_io() -> None:
        async with raw.STORES.redis.pipeline(transaction=True) as pipe:
            pipe.get(f"{raw.PREFIX}latest_code:{script_id}")
            raw._queue_hit(pipe, f"{raw.PREFIX}rate:api:127.0.0.1", int(raw.API_WINDOW))
            entry, hits, _, ttl_ms = await pipe.execute()
        raw._rate_headers(raw._counted(hits, ttl_ms, int(raw.API_LIMIT)))
        if not entry:
            raise RuntimeError("not answered from the cache")

    variants: dict[str, Callable[[], Awaitable[None]]] = {
        "hello": asgi_get(hello_app.app, "/hello", [(b"host", b"127.0.0.1")]),
        "raw": asgi_get(raw.app, path, conditional, 304),
        "raw-io": raw_io,
        "product": asgi_get(product, path, conditional, 304),
        "product-use-case": product_use_case,
    }
    # The warm-up also fills the cache entry (the product's first call).
    median = await timed((product, raw.app), variants, rounds, batch)
    print(f"{'variant':<18} {'CPU us/call':>12}")
    for name, value in median.items():
        print(f"{name:<18} {value:>12.1f}")
    print(
        f"HTTP layer (request minus its work alone): product"
        f" {median['product'] - median['product-use-case']:.1f} us, raw"
        f" {median['raw'] - median['raw-io']:.1f} us, hello {median['hello']:.1f} us"
    )
    print(
        f"work alone: product use case {median['product-use-case']:.1f} us, raw"
        f" {median['raw-io']:.1f} us; product / raw CPU {median['raw'] / median['product']:.3f}"
    )


if __name__ == "__main__":
    main()
