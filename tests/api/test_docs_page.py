"""`/docs` in a real browser (Debian's Chromium under Playwright), from a real `scripthub serve`:
the page renders the OpenAPI document, every operation of it, from the server's files alone."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser

from tests.browser import chromium, require_chromium
from tests.served import Server

OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
RENDER_SECONDS = 30
# Every operation is listed, or Swagger UI has given up (an error panel, or "Unable to render
# this definition" when it cannot read the document's version).
RENDERED = """count =>
    document.querySelectorAll('#swagger-ui .opblock').length >= count
    || document.querySelector('#swagger-ui .errors-wrapper') !== null
    || document.body.innerText.includes('Unable to render')"""


@pytest.fixture(scope="module")
def wiring() -> str:
    """The page is the same on both wirings: one server, on SQLite."""
    return "embedded"


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    """Before the server: a missing browser costs no server start."""
    require_chromium()


@pytest.fixture
def browser(server: Server) -> Iterator[Browser]:
    """After the server, which is started with `asyncio.run` (see `chromium`)."""
    with chromium() as started:
        yield started


def test_the_docs_page_lists_every_operation_from_the_server_alone(
    server: Server, browser: Browser
) -> None:
    document = httpx.get(f"{server.base_url}/schema/openapi.json").json()
    operations = {
        operation["operationId"]: (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    }
    requested: list[str] = []
    problems: list[str] = []

    with browser.new_context() as context:
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console.{message.type}: {message.text}")
                if message.type in {"error", "warning"}
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.goto(f"{server.base_url}/docs", wait_until="networkidle")
        page.wait_for_function(RENDERED, arg=len(operations), timeout=RENDER_SECONDS * 1000)
        rendered = page.eval_on_selector_all(
            "#swagger-ui .opblock",
            """blocks => blocks.map(block => [
                block.querySelector('.opblock-summary-operation-id')?.textContent.trim(),
                block.querySelector('.opblock-summary-method').textContent.trim(),
                block.querySelector('.opblock-summary-path').dataset.path,
            ])""",
        )
        text = page.inner_text("body")
        error_panels = page.locator("#swagger-ui .errors-wrapper").count()
        titles = page.locator("#swagger-ui .info .title").all_inner_texts()

    assert "Unable to render" not in text
    assert error_panels == 0, text
    assert [title.split()[:2] for title in titles] == [["ScriptHub", "API"]]
    assert len(rendered) == len(operations) > 50
    assert {operation_id: (method, path) for operation_id, method, path in rendered} == operations
    assert problems == []
    own = urlsplit(server.base_url)
    assert requested
    for url in requested:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == (own.scheme, own.netloc), url
    assert f"{server.base_url}/schema/openapi.json" in requested


def test_try_it_out_calls_this_server_from_the_page(server: Server, browser: Browser) -> None:
    document = httpx.get(f"{server.base_url}/schema/openapi.json").json()
    ready = document["paths"]["/health/ready"]["get"]
    [tag] = ready["tags"]
    with browser.new_context() as context:
        page = context.new_page()
        page.goto(f"{server.base_url}/docs#/{tag}/{ready['operationId']}")  # opens it
        operation = page.locator(f"#operations-{tag}-{ready['operationId']}")
        operation.get_by_role("button", name="Try it out").click()
        with page.expect_response(f"{server.base_url}/health/ready") as answered:
            operation.get_by_role("button", name="Execute").click()
        shown = operation.locator(".live-responses-table tbody .response-col_status")
        shown.wait_for(timeout=RENDER_SECONDS * 1000)

        assert answered.value.status == 200
        assert shown.inner_text().strip() == "200"
        assert '"database": "ok"' in operation.locator(".live-responses-table").inner_text()
