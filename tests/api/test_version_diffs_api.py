"""GET /api/scripts/{id}/versions/{a}/diff/{b}: a unified diff anyone who may read the script
may read, or its JSON form with the metadata changes; cacheable, never slow."""

from __future__ import annotations

import asyncio
import shutil
import time
from asyncio.subprocess import PIPE
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.api.client import Api, assert_problem
from tests.api.script_calls import post_version, publish
from tests.userscripts import userscript

OLD = userscript("1.0", "match https://example.com/*", "grant GM_getValue", body="one();\ntwo();\n")
NEW = userscript(
    "1.1",
    "match https://example.com/*",
    "match https://example.org/*",
    "grant GM_xmlhttpRequest",
    body="one();\nthree();\n",
)


async def _two_versions(
    api: Api, *, expected: int = 201, **fields: Any
) -> tuple[str, dict[str, Any]]:
    token = (await api.register())["access_token"]
    script = await publish(api, token, code=OLD, **fields)
    response = await post_version(api, token, script["id"], code=NEW)
    assert response.status_code == expected, response.text
    return token, script


def _diff_path(script: dict[str, Any], old: str = "1.0", new: str = "1.1") -> str:
    return f"/api/scripts/{script['id']}/versions/{old}/diff/{new}"


async def test_the_diff_patches_the_old_code_into_the_new(api: Api, tmp_path: Path) -> None:
    _, script = await _two_versions(api)

    response = await api.get(_diff_path(script))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/x-diff; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=600"
    assert "Accept" in response.headers["vary"]
    assert response.text.startswith(f"--- a/{script['slug']} 1.0\n+++ b/{script['slug']} 1.1\n")
    patch = shutil.which("patch")
    if patch is None:
        pytest.skip("GNU patch is not installed")
    (tmp_path / "code.user.js").write_text(OLD)
    (tmp_path / "change.diff").write_text(response.text)
    process = await asyncio.create_subprocess_exec(
        patch, "-s", "-o", "-", "code.user.js", "change.diff", cwd=tmp_path, stdout=PIPE
    )
    patched, _ = await process.communicate()
    assert process.returncode == 0
    assert patched.decode() == NEW


async def test_the_json_form_names_what_the_metadata_gained_and_lost(api: Api) -> None:
    _, script = await _two_versions(api)

    response = await api.send("GET", _diff_path(script), headers={"Accept": "application/json"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("1.0", "1.1")
    assert body["metadata"] == {
        "version": {"added": ["1.1"], "removed": ["1.0"]},
        "match": {"added": ["https://example.org/*"], "removed": []},
        "grant": {"added": ["GM_xmlhttpRequest"], "removed": ["GM_getValue"]},
    }
    assert body["stats"] == {"added": 4, "removed": 3}
    assert body["diff"] == (await api.get(_diff_path(script))).text


async def test_a_held_copy_is_current_in_each_form(api: Api) -> None:
    _, script = await _two_versions(api)
    text = await api.get(_diff_path(script))
    data = await api.send("GET", _diff_path(script), headers={"Accept": "application/json"})
    assert text.headers["etag"] != data.headers["etag"]

    again = await api.send(
        "GET", _diff_path(script), headers={"If-None-Match": text.headers["etag"]}
    )
    crossed = await api.send(
        "GET",
        _diff_path(script),
        headers={"If-None-Match": text.headers["etag"], "Accept": "application/json"},
    )

    assert (again.status_code, again.content) == (304, b"")
    assert crossed.status_code == 200


async def test_a_diff_backwards_or_with_itself(api: Api) -> None:
    _, script = await _two_versions(api)

    backwards = (await api.get(_diff_path(script, "1.1", "1.0"))).text
    same = await api.get(_diff_path(script, "1.1", "1.1"))

    assert "-three();\n+two();\n" in backwards
    assert (same.status_code, same.text) == (200, "")


@pytest.mark.parametrize("versions", [("1.0", "9.9"), ("9.9", "1.1"), ("1.0", "%00")])
async def test_a_version_the_script_lacks_is_404(api: Api, versions: tuple[str, str]) -> None:
    _, script = await _two_versions(api)

    assert_problem(await api.get(_diff_path(script, *versions)), 404, "not_found")


async def test_a_private_scripts_diff_is_its_owners(api: Api) -> None:
    token, script = await _two_versions(api, visibility="private")

    assert_problem(await api.get(_diff_path(script)), 404, "not_found")
    own = await api.get(_diff_path(script), token)
    assert own.status_code == 200
    assert own.headers["cache-control"] == "private, max-age=600"


async def test_versions_too_different_to_diff_quickly_are_413(api: Api) -> None:
    token = (await api.register())["access_token"]
    script = await publish(
        api,
        token,
        code="".join(f"{n % 2}\n" for n in range(400_000)),
        version="1",
        language="other",
    )
    changed = "".join(f"{(n + 1) % 3}\n" for n in range(400_000))
    response = await post_version(api, token, script["id"], code=changed, version="2")
    assert response.status_code == 201, response.text

    refused = await api.get(_diff_path(script, "1", "2"))

    assert_problem(refused, 413, "payload_too_large")


async def test_a_held_versions_diff_is_its_owners_and_the_moderators(
    make_api: Callable[..., Awaitable[Api]],
) -> None:
    api = await make_api(SCRIPTHUB_REVIEW_POLICY="all")
    token, script = await _two_versions(api, expected=202)
    moderator = (await api.role_holder("moderator"))["access_token"]

    assert_problem(await api.get(_diff_path(script)), 404, "not_found")
    for reader in (token, moderator):
        seen = await api.get(_diff_path(script), reader)
        assert seen.status_code == 200
        assert seen.headers["cache-control"] == "private, max-age=600"


async def test_a_long_metadata_block_is_compared_in_linear_time(api: Api) -> None:
    # 40,000 @match entries (1.7 MB): comparing them entry by entry against lists took
    # 30 s of CPU; the diff's bound is a second.
    matches = [f"match https://s{n}.example.com/*" for n in range(40_000)]
    token = (await api.register())["access_token"]
    script = await publish(api, token, code=userscript("1.0", *matches))
    grown = userscript("1.1", *matches, "match https://example.org/*")
    response = await post_version(api, token, script["id"], code=grown)
    assert response.status_code == 201, response.text

    started = time.process_time()
    compared = await api.send("GET", _diff_path(script), headers={"Accept": "application/json"})
    spent = time.process_time() - started

    assert compared.status_code == 200, compared.text
    assert compared.json()["metadata"] == {
        "version": {"added": ["1.1"], "removed": ["1.0"]},
        "match": {"added": ["https://example.org/*"], "removed": []},
    }
    assert spent < 5, f"{spent:.1f} s of CPU"
