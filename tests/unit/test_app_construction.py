"""What building the app leaves for later, and what it still refuses at start-up: each
controller is given only the use cases its handlers name, and the OpenAPI document is built,
and corrected, when it is first asked for."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Controller, Litestar, get
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.di import NamedDependency
from litestar.exceptions import ImproperlyConfiguredException

from scripthub.application.users.get_own_user import GetOwnUser
from scripthub.entrypoints.containers import Container, build_container, close_container
from scripthub.entrypoints.http.app import create_app
from scripthub.entrypoints.http.controllers.users import UsersController
from scripthub.entrypoints.http.dependencies import with_use_cases
from scripthub.entrypoints.settings import load_settings


@pytest.fixture
async def container() -> AsyncIterator[Container]:
    built = build_container(load_settings({"SCRIPTHUB_JWT_SECRET": "c" * 32}, env_file=None))
    yield built
    await close_container(built)


def test_a_controller_is_given_the_use_cases_its_handlers_name_and_no_other(
    container: Container,
) -> None:
    provided = with_use_cases(UsersController, container)

    assert issubclass(provided, UsersController)
    assert set(provided.dependencies or {}) == {
        "get_own_user",
        "update_own_user",
        "delete_own_account",
        "get_public_user",
    }
    assert "dependencies" not in vars(UsersController)  # the shared class is left as it was


def test_a_misspelt_use_case_still_stops_start_up(container: Container) -> None:
    class Misspelt(Controller):
        path = "/misspelt"

        @get("/")
        async def read(self, get_own_usr: NamedDependency[GetOwnUser]) -> None:
            pass

    with pytest.raises(ImproperlyConfiguredException):
        Litestar(route_handlers=[with_use_cases(Misspelt, container)])


def test_the_document_is_built_when_first_asked_for_and_corrected(container: Container) -> None:
    app = create_app(container)
    plugin = app.plugins.get(OpenAPIPlugin)

    assert plugin._openapi is None
    document = app.openapi_schema
    assert document.components.schemas is not None
    assert "Problem" in document.components.schemas
    assert app.openapi_schema is document
