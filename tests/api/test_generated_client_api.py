"""A Python client generated (openapi-python-client) from a real server's OpenAPI document
signs up, signs in, reads its account, publishes and lists scripts on that server, with typed
results. One generation (about five seconds) on the embedded wiring: the document is the same
on both."""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.served import Server
from tests.userscripts import userscript

GENERATOR = str(Path(sys.executable).parent / "openapi-python-client")
PACKAGE = "scripthub_client"


@pytest.fixture(scope="module")
def wiring() -> str:
    return "embedded"


@pytest.fixture(scope="module")
def generated(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from `server`'s document, importable until the module ends."""
    directory = tmp_path_factory.mktemp("generated")
    document = directory / "openapi.json"
    document.write_bytes(httpx.get(f"{server.base_url}/schema/openapi.json").content)
    config = directory / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    finished = subprocess.run(  # noqa: S603 - the generator installed beside this Python
        [
            GENERATOR,
            "generate",
            f"--path={document}",
            f"--config={config}",
            f"--output-path={directory / PACKAGE}",
            "--meta=none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Warning" not in finished.stdout, finished.stdout
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))
        for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_the_generated_client_signs_up_signs_in_and_lists_scripts(
    generated: ModuleType, server: Server
) -> None:
    models = _module("models")
    register, login = _module("api.auth.register"), _module("api.auth.login")
    get_own_user = _module("api.users.get_own_user")
    create_script, list_scripts = (
        _module("api.scripts.create_script"),
        _module("api.scripts.list_scripts"),
    )
    email, password = "generated@example.com", "correct horse battery"

    with generated.Client(base_url=server.base_url) as anonymous:
        registered = register.sync(
            client=anonymous,
            body=models.RegisterBody(email=email, password=password, username="generated"),
        )
        refused = login.sync(
            client=anonymous, body=models.LoginBody(email=email, password="not the password")
        )
        signed_in = login.sync(
            client=anonymous, body=models.LoginBody(email=email, password=password)
        )
        with generated.AuthenticatedClient(
            base_url=server.base_url, token=signed_in.access_token
        ) as session:
            me = get_own_user.sync(client=session)
            published = create_script.sync(
                client=session,
                body=models.NewScriptBody(
                    name="Generated", code=userscript(), language=models.Language.JAVASCRIPT
                ),
            )
        page = list_scripts.sync(client=anonymous, sort=models.ScriptSort.NEWEST)

    assert isinstance(registered, models.TokenPairOut)
    assert isinstance(refused, models.Problem)
    assert refused.code is models.ProblemCode.INVALID_CREDENTIALS
    assert isinstance(signed_in, models.TokenPairOut)
    assert isinstance(me, models.UserOut)
    assert me.id == registered.user.id
    assert isinstance(me.id, uuid.UUID)
    assert isinstance(me.created_at, datetime)
    assert (me.username, me.account_status) == ("generated", models.AccountStatus.ACTIVE)
    assert isinstance(published, models.ScriptOut)
    assert isinstance(page, models.ScriptPageOut)
    [listed] = page.items
    assert (listed.id, listed.owner.id) == (published.id, me.id)
    assert listed.language is models.Language.JAVASCRIPT
    assert listed.visibility is models.Visibility.PUBLIC
