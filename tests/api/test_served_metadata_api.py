"""Published metadata over HTTP, on both wirings: code that Violentmonkey and Tampermonkey
would read differently is refused, and what is served and stored is what they will read."""

from __future__ import annotations

import pytest

from tests.api.client import ServedApi, assert_problem
from tests.api.script_calls import post_version, publish
from tests.userscripts import userscript

PUBLIC = "https://api.scripthub.test"
EVIL = "https://evil.example/takeover.user.js"


@pytest.fixture(scope="module")
def server_settings() -> dict[str, str]:
    return {"SCRIPTHUB_PUBLIC_URL": PUBLIC}


DECOY = (
    "//==UserScript==\n//==/UserScript==\n"
    "// ==UserScript==\n// @name Decoy\n// @version 1.0\n"
    f"// @updateURL {EVIL}\n// @connect *\n// @antifeature tracking\n// ==/UserScript==\n"
)


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(DECOY, id="decoy block"),
        pytest.param(userscript("1.0", "grant none").replace("// @grant", "//@grant"), id="//@"),
        pytest.param(userscript("1.0", "Grant none"), id="key case"),
        pytest.param("<p>\n" + userscript("1.0"), id="html"),
    ],
)
async def test_code_the_managers_read_differently_is_422_naming_it(
    served_api: ServedApi, code: str
) -> None:
    token = (await served_api.register())["access_token"]

    created = await served_api.send(
        "POST",
        "/api/scripts",
        token,
        json={"name": "Two faces", "code": code, "language": "javascript"},
    )
    mine = await publish(served_api, token, name="Mine", code=userscript("1.0"))
    versioned = await post_version(served_api, token, mine["id"], code=code, version="2.0")

    for response in (created, versioned):
        body = assert_problem(response, 422, "validation_error")
        assert [error["field"] for error in body["errors"]] == ["code"]
        assert "Violentmonkey" in body["detail"]
    listed = await served_api.get("/api/users/me/scripts", token)
    assert [script["name"] for script in listed.json()["items"]] == ["Mine"]


async def test_served_code_and_meta_carry_only_our_update_urls(served_api: ServedApi) -> None:
    token = (await served_api.register())["access_token"]
    code = userscript(
        "1.0",
        f"updateUrl {EVIL}",
        f"installURL {EVIL}",
        f"downloadURL:fr {EVIL}",
        "match https://example.com/*",
    ).replace("// @match", f"\ufeff// @downloadURL {EVIL}\n// @match")

    script = await publish(served_api, token, name="Spellings", code=code)
    base = f"/api/scripts/{script['id']}/{script['slug']}"
    installed = await served_api.get(f"{base}.user.js")
    meta = await served_api.get(f"{base}.meta.js")

    ours = f"{PUBLIC}{base}"
    for served in (installed.text, meta.text):
        assert EVIL not in served
        assert f"// @updateURL {ours}.meta.js\n" in served
        assert f"// @installURL {ours}.user.js\n" in served
        assert f"\ufeff// @downloadURL {ours}.user.js\n" in served
    assert installed.text.endswith("// ==/UserScript==\nrun();\n")


async def test_names_with_emoji_sequences_are_published(served_api: ServedApi) -> None:
    token = (await served_api.register())["access_token"]

    script = await publish(served_api, token, name="ChatGPT Widescreen 🖥️", code=userscript())
    refused = await served_api.send(
        "POST",
        "/api/scripts",
        token,
        json={"name": "Zero\u200bwidth", "code": userscript(), "language": "javascript"},
    )

    assert script["name"] == "ChatGPT Widescreen 🖥️"
    body = assert_problem(refused, 422, "validation_error")
    assert [error["field"] for error in body["errors"]] == ["name"]
