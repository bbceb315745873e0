"""The metadata block fills the script's form (Greasy Fork's rule), in-process on both wirings:
`POST /api/scripts` takes the name, description, license and language the body leaves out from
the block, each new version brings the name, description and license it declares, and the
localized names and descriptions are shown and searched."""

from __future__ import annotations

from typing import Any

from tests.api.client import Api, assert_problem, audited_metadata
from tests.api.script_calls import audited, post_version
from tests.userscripts import userscript

LOCALIZED = userscript(
    "1.0",
    "description Makes every page dark",
    "license MIT",
    "name:fr Mode sombre",
    "description:FR Assombrit chaque page",
    "name:zh-CN 暗黑模式",
    name="Dark Mode Everywhere",
)
USERSTYLE = """/* ==UserStyle==
@name        Dark Wiki
@version     1.0
@license     CC0-1.0
@namespace   example.com
==/UserStyle== */
body { background: black; }
"""


async def publish_code(api: Api, token: str, code: str, **fields: Any) -> dict[str, Any]:
    response = await api.send("POST", "/api/scripts", token, json={"code": code, **fields})
    assert response.status_code == 201, response.text
    script: dict[str, Any] = response.json()
    return script


async def test_the_block_fills_what_the_body_leaves_out(api: Api) -> None:
    token = (await api.register())["access_token"]

    script = await publish_code(api, token, LOCALIZED)
    style = await publish_code(api, token, USERSTYLE, description="Given")

    assert {key: script[key] for key in ("name", "slug", "description", "license", "language")} == {
        "name": "Dark Mode Everywhere",
        "slug": "dark-mode-everywhere",
        "description": "Makes every page dark",
        "license": "MIT",
        "language": "javascript",
    }
    assert script["localized"] == {
        "fr": {"name": "Mode sombre", "description": "Assombrit chaque page"},
        "zh-cn": {"name": "暗黑模式", "description": None},
    }
    read = (await api.get(f"/api/scripts/{script['id']}")).json()
    assert read["localized"] == script["localized"]
    assert (style["name"], style["language"], style["license"], style["description"]) == (
        "Dark Wiki",
        "css",
        "CC0-1.0",
        "Given",
    )
    assert style["localized"] == {}


async def test_the_body_wins_and_a_license_that_is_no_spdx_is_not_taken(api: Api) -> None:
    token = (await api.register())["access_token"]
    code = userscript("1.0", "license MIT License", "description Block")

    script = await publish_code(api, token, code, name="Body", language="typescript")

    assert (script["name"], script["language"], script["license"], script["description"]) == (
        "Body",
        "typescript",
        None,
        "Block",
    )


async def test_without_a_name_or_language_anywhere_it_is_a_422_naming_them(api: Api) -> None:
    token = (await api.register())["access_token"]

    response = await api.send(
        "POST", "/api/scripts", token, json={"code": "print(1)\n", "version": "1.0"}
    )
    too_long = await api.send(
        "POST", "/api/scripts", token, json={"code": userscript("1.0", name="x" * 101)}
    )

    problem = assert_problem(response, 422, "validation_error")
    assert [error["field"] for error in problem["errors"]] == ["name", "language"]
    problem = assert_problem(too_long, 422, "validation_error")
    assert [error["field"] for error in problem["errors"]] == ["code"]
    assert "@name" in problem["errors"][0]["message"]


async def test_each_new_version_brings_what_its_block_declares_audited(api: Api) -> None:
    token = (await api.register())["access_token"]
    script = await publish_code(api, token, LOCALIZED)
    path = f"/api/scripts/{script['id']}"

    renamed = await api.send("PATCH", path, token, json={"name": "Typed In", "license": None})
    assert renamed.status_code == 200, renamed.text
    same = await post_version(api, token, script["id"], code=LOCALIZED.replace("1.0", "1.1"))
    assert same.status_code == 201, same.text
    after_same = (await api.get(path)).json()
    changed = await post_version(
        api,
        token,
        script["id"],
        code=userscript("1.2", "license GPL-3.0-only", "name:de Dunkelmodus", name="Darker"),
    )
    assert changed.status_code == 201, changed.text
    after = (await api.get(path)).json()

    # The block's name and license come back over the edit; its description stays.
    assert (after_same["name"], after_same["license"]) == ("Dark Mode Everywhere", "MIT")
    assert (after["name"], after["description"], after["license"], after["slug"]) == (
        "Darker",
        "Makes every page dark",
        "GPL-3.0-only",
        "dark-mode-everywhere",
    )
    assert after["localized"] == {"de": {"name": "Dunkelmodus", "description": None}}
    updates = [
        audited_metadata(entry) for entry in await audited(api, "script.updated", script["id"])
    ]
    assert sorted(updates, key=lambda metadata: metadata.get("version", "")) == [
        {"fields": ["license", "name"]},
        {"fields": ["license", "name"], "version": "1.1"},
        {"fields": ["license", "localized", "name"], "version": "1.2"},
    ]


async def test_localized_names_and_descriptions_are_searched(api: Api) -> None:
    token = (await api.register())["access_token"]
    script = await publish_code(api, token, LOCALIZED)

    for text in ("sombre", "assombrit chaque", "暗黑模式"):
        response = await api.get("/api/scripts", params={"q": text})
        assert response.status_code == 200, response.text
        assert [item["id"] for item in response.json()["items"]] == [script["id"]], text
    changed = await post_version(api, token, script["id"], code=userscript("1.1", "name:es Oscuro"))
    assert changed.status_code == 201, changed.text
    gone = await api.get("/api/scripts", params={"q": "sombre"})
    found = await api.get("/api/scripts", params={"q": "oscuro"})
    assert gone.json()["items"] == []
    assert [item["id"] for item in found.json()["items"]] == [script["id"]]


async def test_versions_sent_at_once_leave_the_name_of_the_latest(api: Api) -> None:
    token = (await api.register())["access_token"]
    script = await publish_code(api, token, LOCALIZED)
    path = f"/api/scripts/{script['id']}/versions"

    for round_ in range(1, 6):
        versions = (f"{round_}.1", f"{round_}.2")
        answers = await api.at_once(
            *(
                api.request("POST", path, token, json={"code": userscript(v, name=f"Name {v}")})
                for v in versions
            )
        )
        assert sorted(a.status_code for a in answers) in ([201, 201], [201, 422]), [
            a.text for a in answers
        ]
        current = (await api.get(f"/api/scripts/{script['id']}")).json()
        latest = current["latest_version"]["version"]
        assert latest == versions[1]
        assert current["name"] == f"Name {latest}"
