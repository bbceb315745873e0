"""The README's "Publishing from CI", as written there, against a real `scripthub serve`: the
token is made by its shell block, and the workflow's step publishes a version with it (and
fails the job on a refusal)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from pathlib import Path

import httpx

from tests.served import Server, serving

ROOT = Path(__file__).resolve().parents[2]
HEADING = "## Publishing from CI"
SCRIPT = """// ==UserScript==
// @name        CI Hello
// @namespace   https://example.com/ci
// @version     {version}
// @match       https://example.com/*
// @grant       none
// ==/UserScript==
console.log("hello from CI");
"""


def readme_block(language: str) -> str:
    """The first `language` block under the README's `HEADING`."""
    section = (ROOT / "README.md").read_text().split(HEADING, 1)[1]
    block = section.split(f"```{language}\n", 1)[1]
    return block.split("```\n", 1)[0]


def workflow_step() -> str:
    """The shell of the workflow's `run: |` step."""
    workflow = readme_block("yaml")
    step = workflow.split("run: |\n", 1)[1]
    return textwrap.dedent(step)


def bash(script: str, cwd: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the README's own blocks
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
        cwd=cwd,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def verified_session(server: Server, api: httpx.Client) -> str:
    account = {"email": "ci@example.com", "username": "ci-bot", "password": "correct horse battery"}
    session: str = api.post("/api/auth/register", json=account).json()["access_token"]
    mail = server.run("mail", "latest", "--limit", "1")
    link = re.search(r"verify-email\?token=(\S+)", mail)
    assert link is not None, mail
    verified = api.post("/api/auth/verify-email", json={"token": link.group(1)})
    assert verified.status_code == 200, verified.text
    return session


def test_the_readme_publishes_from_ci_as_written(workdir: Path) -> None:
    with serving(workdir) as server, httpx.Client(base_url=server.base_url) as api:
        session = verified_session(server, api)
        first = {"language": "javascript", "code": SCRIPT.format(version="1.0")}
        script = api.post(
            "/api/scripts", json=first, headers={"Authorization": f"Bearer {session}"}
        ).json()
        made = bash(readme_block("sh"), ROOT, API=server.base_url, TOKEN=session, ID=script["id"])
        assert made.returncode == 0, made.stderr
        secret = json.loads(made.stdout)["secret"]
        (workdir / "hello.user.js").write_text(SCRIPT.format(version="1.1"))
        step = {
            "SCRIPTHUB_URL": server.base_url,
            "SCRIPTHUB_TOKEN": secret,
            "SCRIPT_ID": script["id"],
            "SCRIPT_FILE": "hello.user.js",
            "GITHUB_REF_NAME": "v1.1",
        }

        published = bash(workflow_step(), workdir, **step)
        again = bash(workflow_step(), workdir, **step)
        versions = api.get(f"/api/scripts/{script['id']}/versions").json()["items"]

    assert published.returncode == 0, published.stdout + published.stderr
    assert json.loads(published.stdout)["version"] == "1.1"
    assert again.returncode != 0
    assert '"code":"conflict"' in again.stdout
    assert [(v["version"], v["changelog"]) for v in versions] == [
        ("1.1", "Release v1.1"),
        ("1.0", None),
    ]
