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
  product-pat      the product app, GET /api/users/me with a personal access token of the
                   same account instead of the session's access token (trees with tokens only)

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
    secret = await personal_access_token(product, token)
    if secret is not None:
        pat_headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {secret}".encode())]
        variants["product-pat"] = asgi_get(product, ME, pat_headers)
    median = await timed((product, raw.app), variants, rounds, batch)
    print(f"{'variant':<18} {'CPU us/call':>12}")
    for name, value in median.items():
        print(f"{name:<18} {value:>12.1f}")
    print(f"raw / product CPU {median['raw'] / median['product']:.3f}")
    if "product-litestar" in median:
        print(f"raw / product through Litestar {median['raw'] / median['product-litestar']:.3f}")
    if "product-pat" in median:
        print(f"product-pat / product CPU {median['product-pat'] / median['product']:.3f}")


async def personal_access_token(product: object, access_token: str) -> str | None:
    """A personal access token (scope `scripts:read`) of the account `access_token` is of,
    its email verified first; None for a tree without tokens."""
    import base64  # noqa: PLC0415
    import json  # noqa: PLC0415
    import uuid  # noqa: PLC0415
    from datetime import UTC, datetime  # noqa: PLC0415

    try:
        from scripthub.application.access_tokens.create_access_token import (  # noqa: PLC0415
            CreateAccessTokenCommand,
        )
    except ImportError:
        return None
    from scripthub.application.accounts import Principal  # noqa: PLC0415
    from scripthub.domain.roles import Grants  # noqa: PLC0415

    payload = access_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    user_id = uuid.UUID(claims["sub"])
    container = product.state.container  # type: ignore[attr-defined]
    async with container.adapters.unit_of_work() as uow:
        await uow.users.mark_email_verified(user_id, datetime.now(UTC))
        await uow.commit()
    session = Principal(user_id, uuid.UUID(claims["sid"]), Grants(frozenset(), frozenset()))
    command = CreateAccessTokenCommand(session, "bench", ["scripts:read"])
    created = await container.use_cases.create_access_token().execute(command)
    return created.secret


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
