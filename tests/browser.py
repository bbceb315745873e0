"""A real headless browser for the tests that look at a page as a person would: Debian's
`chromium` package, driven by Playwright (never a browser build of Playwright's own).

`.ci/run` and `python3 dev.py test` install the package when it is missing. Where it is still
missing the tests that need it skip with the reason, unless SCRIPTHUB_REQUIRE_SERVICES=1 (CI),
where they fail instead.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import sync_playwright

from tests.services import SERVICES_REQUIRED

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
# Headless, as root, with no GPU, and none of Chromium's own traffic (component updates, sync,
# background fetches): whatever the page asks for is all that leaves the browser.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip (fail under SCRIPTHUB_REQUIRE_SERVICES=1) unless Debian's chromium is installed."""
    if CHROMIUM.exists():
        return
    reason = f"Debian's chromium is not installed ({CHROMIUM} is missing)"
    if SERVICES_REQUIRED:
        pytest.fail(
            f"{reason} and SCRIPTHUB_REQUIRE_SERVICES=1 (`apt-get install -y chromium`)",
            pytrace=False,
        )
    pytest.skip(f"{reason}: `apt-get install -y chromium` (python3 dev.py test does it as root)")


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium under Playwright, until the block ends. Playwright's loop
    runs in this thread meanwhile, so `asyncio.run` (a fixture that migrates a database, say)
    cannot: start such things first."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
