"""A failed connection or exchange as a sentence naming its kind only: httpx's own text names
the address connected to, which may be a private one."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from scripthub.adapters.fetch import urls
from scripthub.application.ports.source_fetcher import SourceUnreachableError

if TYPE_CHECKING:
    import httpx


def transport_failure(url: httpx.URL, error: Exception | None) -> SourceUnreachableError:
    """Why `url` could not be fetched, from the transport error (None: no address to try)."""
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes(error)):
        return SourceUnreachableError(f"{urls.shown(url)}: its TLS certificate was not accepted.")
    if error is None or type(error).__name__ in {"ConnectError", "ConnectTimeout"}:
        return SourceUnreachableError(f"{urls.shown(url)} could not be reached.")
    return SourceUnreachableError(
        f"{urls.shown(url)} did not answer properly ({type(error).__name__})."
    )


def causes(error: BaseException | None) -> list[BaseException]:
    """The exceptions `error` was raised from (httpx wraps httpcore's, which wraps ssl's)."""
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain
