"""The OpenAPI document states the contract's rules: names a client generator turns into good
calls, the domain's field rules, formats, enums and the closed list of error codes."""

from __future__ import annotations

import re
from typing import Any

from scripthub.domain import errors
from scripthub.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from scripthub.domain.scripts import MAX_TAGS, SLUG_PATTERN, TAG_PATTERN, Language, Visibility
from scripthub.domain.users import MAX_EMAIL_LENGTH, USERNAME_PATTERN
from scripthub.entrypoints.http.problems import CODE_BY_STATUS, STATUS_BY_CODE
from tests.api.client import Api

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
PATH_PARAMETER = re.compile(r"\{(\w+)\}")


async def _document(api: Api) -> dict[str, Any]:
    response = await api.client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
        if isinstance(operation, dict) and "responses" in operation
    }


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a `$ref` (or a nullable `oneOf` around one) points to."""
    for alternative in schema.get("oneOf", [schema]):
        if "$ref" in alternative:
            resolved: dict[str, Any] = document["components"]["schemas"][
                alternative["$ref"].rsplit("/", 1)[-1]
            ]
            return resolved
    return schema


def _domain_error_codes() -> set[str]:
    pending: list[type[errors.DomainError]] = [errors.DomainError]
    codes: set[str] = set()
    while pending:
        error = pending.pop()
        codes.add(error.code)
        pending.extend(error.__subclasses__())
    return codes


async def test_every_operation_has_a_snake_case_id_and_a_summary(api: Api) -> None:
    operations = _operations(await _document(api))

    ids = [operation["operationId"] for operation in operations.values()]
    assert len(ids) == len(set(ids))
    for (method, path), operation in operations.items():
        assert SNAKE_CASE.match(operation["operationId"]), (method, path)
        # Litestar's fallback summary is the handler's name in title case ("Live").
        assert " " in operation.get("summary", ""), (method, path)
    assert operations["POST", "/api/auth/register"]["operationId"] == "register"
    assert operations["POST", "/api/auth/login"]["operationId"] == "login"
    assert operations["GET", "/api/users/me"]["operationId"] == "get_own_user"
    assert operations["GET", "/api/scripts"]["operationId"] == "list_scripts"
    assert operations["HEAD", "/api/scripts/{id_or_slug}/{file_name}"]["operationId"] == (
        "head_latest_code"
    )


async def test_the_register_body_states_the_domain_rules(api: Api) -> None:
    schemas = (await _document(api))["components"]["schemas"]

    register = schemas["RegisterBody"]["properties"]
    assert register["email"]["format"] == "email"
    assert register["email"]["maxLength"] == MAX_EMAIL_LENGTH
    assert register["username"]["pattern"] == USERNAME_PATTERN.pattern
    assert register["password"]["minLength"] == MIN_PASSWORD_LENGTH
    assert register["password"]["maxLength"] == MAX_PASSWORD_LENGTH
    for field in ("email", "username", "password"):
        assert register[field]["description"], field
    for body in ("ResetPasswordBody", "ChangePasswordBody"):
        assert schemas[body]["properties"]["new_password"]["minLength"] == MIN_PASSWORD_LENGTH
    assert "minLength" not in schemas["LoginBody"]["properties"]["password"]
    script = schemas["NewScriptBody"]["properties"]
    assert script["slug"]["pattern"] == SLUG_PATTERN.pattern
    assert script["tags"]["maxItems"] == MAX_TAGS


async def test_ids_are_uuids_and_timestamps_date_times(api: Api) -> None:
    schemas = (await _document(api))["components"]["schemas"]

    for name in ("UserOut", "PublicUserOut", "SessionOut", "ScriptOut", "OwnerOut", "VersionOut"):
        assert schemas[name]["properties"]["id"] == {"type": "string", "format": "uuid"}, name
    assert {"type": "string", "format": "uuid"} in schemas["AuditEntryOut"]["properties"][
        "actor_id"
    ]["oneOf"]
    for name, field in [
        ("UserOut", "created_at"),
        ("ScriptOut", "updated_at"),
        ("SessionOut", "expires_at"),
        ("AuditEntryOut", "occurred_at"),
    ]:
        assert schemas[name]["properties"][field]["format"] == "date-time", name


async def test_the_closed_sets_are_enums(api: Api) -> None:
    document = await _document(api)
    schemas = document["components"]["schemas"]
    listing = document["paths"]["/api/scripts"]["get"]
    sort = next(p for p in listing["parameters"] if p["name"] == "sort")
    script = schemas["ScriptOut"]["properties"]

    assert set(_resolve(document, sort["schema"])["enum"]) >= {"newest", "installs", "name"}
    assert _resolve(document, script["language"])["enum"] == [v.value for v in Language]
    assert _resolve(document, script["visibility"])["enum"] == [v.value for v in Visibility]
    assert _resolve(document, schemas["UserOut"]["properties"]["account_status"])["enum"] == [
        "active",
        "suspended",
        "deleted",
    ]


async def test_the_problem_code_is_an_enum_of_every_code(api: Api) -> None:
    problem = (await _document(api))["components"]["schemas"]["Problem"]
    answered = (await api.client.post("/api/auth/login", json={"email": "x"})).json()

    codes = set(problem["properties"]["code"]["enum"])
    assert codes >= {*STATUS_BY_CODE, *CODE_BY_STATUS.values(), *_domain_error_codes()}
    assert {"internal_error", "method_not_allowed", answered["code"]} <= codes


async def test_a_path_segment_has_one_name_on_every_route(api: Api) -> None:
    """OpenAPI holds a path template once (`/api/scripts/{id_or_slug}` and
    `/api/scripts/{script_id}` are one path to it), and a client generator names its arguments
    by the template: the segment after a prefix has one parameter name whatever follows."""
    paths = (await _document(api))["paths"]
    names: dict[tuple[str, ...], set[str]] = {}
    for path in paths:
        prefix: tuple[str, ...] = ()
        for segment in path.strip("/").split("/"):
            if parameter := PATH_PARAMETER.fullmatch(segment):
                names.setdefault(prefix, set()).add(parameter[1])
            prefix = (*prefix, "{}" if parameter else segment)

    assert {prefix: found for prefix, found in names.items() if len(found) > 1} == {}
    assert names["api", "scripts"] == {"id_or_slug"}
    assert names["api", "users"] == {"id_or_username"}
    for method, path, only_the_id in [
        ("get", "/api/scripts/{id_or_slug}", False),
        ("patch", "/api/scripts/{id_or_slug}", True),
        ("post", "/api/scripts/{id_or_slug}/versions", True),
        ("get", "/api/users/{id_or_username}", False),
        ("patch", "/api/users/{id_or_username}/status", True),
        ("delete", "/api/auth/sessions/{session_id}", True),
    ]:
        [parameter] = paths[path][method]["parameters"]
        assert (parameter["schema"].get("format") == "uuid") is only_the_id, (method, path)


def _sole_alternatives(value: Any, at: str = "") -> list[str]:
    """Where `value` holds a `oneOf` of one alternative."""
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _sole_alternatives(item, at)]
    if not isinstance(value, dict):
        return []
    here = [at] if len(value.get("oneOf", [None, None])) == 1 else []
    return here + [
        found for key, item in value.items() for found in _sole_alternatives(item, f"{at}/{key}")
    ]


async def test_a_field_that_cannot_be_null_is_its_own_type(api: Api) -> None:
    """A field that may be left out but not be `null` (`PATCH` bodies) states its type and
    rules in one schema, not as a `oneOf` of one alternative with its rules beside it."""
    document = await _document(api)
    script_patch = document["components"]["schemas"]["ScriptPatch"]["properties"]

    assert _sole_alternatives(document) == []
    assert script_patch["name"]["type"] == "string"
    assert script_patch["tags"]["items"]["pattern"] == TAG_PATTERN.pattern
    assert script_patch["language"] == {"$ref": "#/components/schemas/Language"}
