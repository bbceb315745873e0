"""The product with install counting switched off: the baseline of script_code.py's installs
part.

The real application (`create_app(build_container(load_settings()))`), with one provider
overridden: the install log that `ReadScriptCode` records each download in is one that
records nothing. Everything else (middleware, rate limiter, the two reads, the update-URL
rewrite, the response, even the flusher's idle claims) is the product's own, so the pair
differs by the install's recording alone. A bench-only app rather than a product setting:
nobody running ScriptHub needs installs served uncounted.

Served like the other baselines: `python bench/serve.py uncounted_app:create_uncounted_app
--factory ...`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from dependency_injector import providers
from litestar import Litestar

from scripthub.entrypoints.containers import build_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.settings import load_settings


class UncountedInstalls:
    """An `InstallLog` that counts nothing."""

    async def record(self, script_id: uuid.UUID, client: str, now: datetime) -> bool:  # noqa: ARG002
        return False


def create_uncounted_app() -> Litestar:
    container = build_container(load_settings())
    container.use_cases.install_recorder.override(providers.Object(UncountedInstalls()))
    return create_app(container)
