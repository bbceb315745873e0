"""What every request goes through: errors, limits, health, metrics and docs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import msgspec

from scripthub.adapters.schema_revisions import SchemaState
from scripthub.entrypoints.http.health import Readiness
from scripthub.entrypoints.mail_worker import DispatcherStatus
from tests.api.client import PASSWORD, Api, assert_problem


async def test_malformed_json_is_a_400(api: Api) -> None:
    response = await api.client.post(
        "/api/auth/login", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 400, "bad_request")


async def test_a_body_that_is_not_json_is_a_415(api: Api) -> None:
    response = await api.client.post(
        "/api/auth/login", content=b"email=a&password=b", headers={"Content-Type": "text/plain"}
    )

    assert_problem(response, 415, "unsupported_media_type")


async def test_a_json_array_instead_of_an_object_is_a_422(api: Api) -> None:
    response = await api.client.post("/api/auth/login", json=["a", "b"])

    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"] == [{"field": "body", "message": "Expected `object`, got `array`"}]


async def test_every_structural_problem_of_a_body_is_listed_at_once(api: Api) -> None:
    body = {"email": 42, "password": ["x"], "full_name": "Ada", "roles": ["admin"], "id": 1}

    response = await api.client.post("/api/auth/register", json=body)

    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"] == [
        {"field": "email", "message": "Expected `str`, got `int`"},
        {"field": "password", "message": "Expected `str`, got `array`"},
        {"field": "username", "message": "is required"},
        {"field": "roles", "message": "is not an accepted field"},
        {"field": "id", "message": "is not an accepted field"},
    ]
    assert problem["detail"].startswith("email: Expected `str`, got `int`; password: ")


async def test_nested_body_problems_are_named_by_their_path(api: Api) -> None:
    pair = await api.register()
    body = {"username": 5, "profile": {"website": 3, "bio": None, "nickname": "x"}}

    response = await api.send("PATCH", "/api/users/me", pair["access_token"], json=body)

    problem = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == [
        "username",
        "profile.website",
        "profile.nickname",
    ]


async def test_a_missing_body_is_named_body_not_data(api: Api) -> None:
    response = await api.client.post("/api/auth/login")

    problem = assert_problem(response, 422, "validation_error")
    assert problem["errors"] == [{"field": "body", "message": "is required"}]
    assert problem["detail"] == "body: is required"


async def test_a_body_over_one_mebibyte_is_a_413(api: Api) -> None:
    response = await api.client.post(
        "/api/auth/register",
        content=b'{"email": "' + b"a" * (1024 * 1024 + 10) + b'"}',
        headers={"Content-Type": "application/json"},
    )

    assert_problem(response, 413, "payload_too_large")


async def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    assert_problem(await api.client.get("/api/nothing-here"), 404, "not_found")
    assert_problem(await api.client.put("/api/auth/login", json={}), 405, "method_not_allowed")


async def test_odd_unicode_is_stored_and_returned_intact(api: Api) -> None:
    name = "Zoë 🚀 \u202e عربى 漢字"
    pair = await api.register(full_name=name)

    me = await api.get("/api/users/me", pair["access_token"])

    assert me.json()["profile"]["full_name"] == name


async def test_credential_routes_are_rate_limited_per_client(
    make_api: Callable[..., Api],
) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_AUTH="2/60")  # type: ignore[misc]
    body = {"email": "ghost@example.com", "password": PASSWORD}

    first = await api.client.post("/api/auth/login", json=body)
    second = await api.client.post("/api/auth/login", json=body)
    third = await api.client.post("/api/auth/login", json=body)

    assert first.headers["ratelimit-limit"] == "2"
    assert first.headers["ratelimit-remaining"] == "1"
    assert second.headers["ratelimit-remaining"] == "0"
    assert_problem(third, 429, "rate_limited")
    assert 0 < int(third.headers["retry-after"]) <= 60
    assert int(third.headers["ratelimit-reset"]) <= 60
    assert (await api.client.get("/api/users/nobody")).status_code == 404


async def test_the_api_budget_covers_every_api_route(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_RATE_LIMIT_API="3/60")  # type: ignore[misc]

    statuses = [(await api.client.get("/api/users/nobody")).status_code for _ in range(4)]

    assert statuses == [404, 404, 404, 429]
    assert (await api.client.get("/health/live")).status_code == 200


async def test_health_metrics_schema_and_docs(api: Api) -> None:
    live = await api.client.get("/health/live")
    ready = await api.client.get("/health/ready")
    await api.client.get("/api/users/nobody")
    metrics = await api.client.get("/metrics")
    schema = await api.client.get("/schema/openapi.json")
    docs = await api.client.get("/docs")
    asset = await api.client.get("/docs/assets/swagger-ui-bundle.js")

    assert live.status_code == 200
    assert ready.status_code == 200
    assert ready.json() == {
        "database": "ok",
        "cache": "ok",
        "schema": "ok",
        "mail_dispatcher": "ok",
        "source_sync": "ok",
    }
    msgspec.json.decode(ready.content, type=Readiness)  # as the document describes it
    assert metrics.status_code == 200
    assert 'scripthub_http_requests_total{method="GET"' in metrics.text
    assert schema.json()["openapi"].startswith("3.1")
    assert "/api/auth/register" in schema.json()["paths"]
    assert docs.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert asset.status_code == 200


async def test_health_routes_answer_head_like_get(api: Api) -> None:
    for path in ("/health/live", "/health/ready"):
        get = await api.client.get(path)
        head = await api.client.head(path)

        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"] == "application/json"
        assert head.headers["content-length"] == str(len(get.content))
        assert get.headers["content-length"] == str(len(get.content))
    allow = (await api.client.options("/health/ready")).headers["allow"]
    assert allow == "GET, HEAD, OPTIONS"


async def test_a_dead_database_is_a_503_not_a_500(make_api: Callable[..., Api]) -> None:
    api = await make_api(  # type: ignore[misc]
        SCRIPTHUB_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    )

    login = await api.client.post(
        "/api/auth/login", json={"email": "a@example.com", "password": PASSWORD}
    )
    ready = await api.client.get("/health/ready")
    head = await api.client.head("/health/ready")

    assert_problem(login, 503, "service_unavailable")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/json"  # the readiness object, no problem
    assert msgspec.json.decode(ready.content, type=Readiness).database == "error"
    assert head.status_code == 503
    assert head.content == b""
    assert head.headers["content-length"] == str(len(ready.content))


async def test_the_document_describes_the_health_answers_as_they_are(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    live = document["paths"]["/health/live"]
    ready = document["paths"]["/health/ready"]

    def schema_of(response: dict[str, Any]) -> dict[str, Any]:
        reference = response["content"]["application/json"]["schema"]["$ref"]
        return schemas[reference.rsplit("/", 1)[1]]  # type: ignore[no-any-return]

    def values(field: dict[str, Any]) -> list[str]:
        return [value for one in field.get("oneOf", [field]) for value in one["enum"]]

    readiness = schema_of(ready["get"]["responses"]["503"])
    fields = readiness["properties"]
    assert schema_of(ready["get"]["responses"]["200"]) == readiness
    assert sorted(readiness["required"]) == ["cache", "database", "schema"]
    assert fields.keys() == {"database", "cache", "schema", "mail_dispatcher", "source_sync"}
    assert values(fields["database"]) == values(fields["cache"]) == ["ok", "error"]
    assert values(fields["schema"]) == [*SchemaState, "error"]
    assert values(fields["mail_dispatcher"]) == list(DispatcherStatus)  # when present
    assert values(fields["source_sync"]) == list(DispatcherStatus)
    assert schema_of(live["get"]["responses"]["200"])["properties"]["status"]["const"] == "ok"
    assert "application/problem+json" in ready["get"]["responses"]["default"]["content"]
    for item in (live, ready):  # HEAD: the GET's statuses, and no body
        assert item["head"]["responses"].keys() == item["get"]["responses"].keys()
        assert all("content" not in answer for answer in item["head"]["responses"].values())


async def test_a_dead_redis_is_a_503_not_a_500(make_api: Callable[..., Api]) -> None:
    api = await make_api(SCRIPTHUB_REDIS_URL="redis://127.0.0.1:1/0")  # type: ignore[misc]

    response = await api.client.post(
        "/api/auth/login", json={"email": "a@example.com", "password": PASSWORD}
    )
    ready = await api.client.get("/health/ready")

    assert_problem(response, 503, "service_unavailable")
    assert ready.json()["cache"] == "error"


async def test_bodies_that_are_not_utf8_or_nest_absurdly_are_400s(api: Api) -> None:
    for body in (b'{"email": "\xff@b.io", "password": "x"}', b"[" * 100_000 + b"]" * 100_000):
        response = await api.client.post(
            "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
        )
        assert_problem(response, 400, "bad_request")


async def test_a_405_names_the_allowed_methods(api: Api) -> None:
    response = await api.client.put("/api/auth/login", json={})

    assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["allow"]


async def test_a_cors_preflight_from_the_frontend_is_allowed(api: Api) -> None:
    response = await api.client.options(
        "/api/users/me",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "PATCH" in response.headers["access-control-allow-methods"]


async def test_a_refused_cors_preflight_is_a_problem_naming_what_was_refused(api: Api) -> None:
    response = await api.client.options(
        "/api/users/me",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "TRACE"},
    )

    assert_problem(response, 400, "bad_request")
    assert "access-control-allow-origin" not in response.headers
    assert "method and origin are not allowed" in response.json()["detail"]


async def test_the_openapi_document_describes_errors_as_problem_json(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    problem = await api.client.post("/api/auth/login", json={"email": "x"})

    operations = [
        (path, method, operation)
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert len(operations) > 20
    for path, method, operation in operations:
        errors = [status for status in operation["responses"] if status.startswith(("4", "5"))]
        # The readiness 503 is the readiness object (test_..._health_answers_as_they_are).
        assert errors == (["503"] if path == "/health/ready" else []), operation["operationId"]
        if method == "head":  # a HEAD answer has no body
            assert "content" not in operation["responses"]["default"]
            continue
        default = operation["responses"]["default"]["content"]["application/problem+json"]
        assert default["schema"] == {"$ref": "#/components/schemas/Problem"}
    schema = document["components"]["schemas"]["Problem"]
    assert set(schema["required"]) <= set(problem.json())
    assert problem.headers["content-type"] == "application/problem+json"


async def test_the_openapi_document_says_bodies_refuse_unknown_fields(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    components = document["components"]["schemas"]

    bodies = {
        json.dumps(operation["requestBody"]["content"]["application/json"]["schema"])
        for path_item in document["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "requestBody" in operation
    }
    names = {name for body in bodies for name in re.findall(r"#/components/schemas/(\w+)", body)}
    assert {"LoginBody", "UserPatch", "RegisterBody"} <= names
    for name in names | {"ProfilePatch"}:
        assert components[name]["additionalProperties"] is False, name


async def test_options_lists_every_method_of_the_path(api: Api) -> None:
    me = await api.client.options("/api/users/me")
    roles = await api.client.options("/api/roles")

    assert me.status_code == 204
    assert me.headers["allow"] == "DELETE, GET, OPTIONS, PATCH"
    assert roles.headers["allow"] == "GET, OPTIONS, POST"
