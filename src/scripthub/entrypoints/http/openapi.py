"""The OpenAPI document, corrected where Litestar's generator cannot know our contract:
errors are RFC 9457 problem JSON with a closed list of codes, request bodies refuse unknown
fields, and operation ids are the handlers' names (what a client generator names its calls).

Under `/schema` only the documents exist: Litestar's own pages (`/schema/swagger`, `/redoc`,
`/elements`, `/rapidoc`) load their scripts from CDNs, so they are not served (`/docs` is the
page, from local files)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields, replace
from typing import Any

from litestar import Litestar, Request, Router
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.routes import HTTPRoute
from litestar.types import Method
from litestar.types.internal_types import PathParameterDefinition

from scripthub.entrypoints.http.problems import ERROR_CODES, PROBLEM_JSON

_TEXT = Schema(type=OpenAPIType.STRING)
PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail", "code"],
    properties={
        "type": _TEXT,
        "title": _TEXT,
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": _TEXT,
        "code": Schema(
            type=OpenAPIType.STRING, enum=ERROR_CODES, description="stable, machine-readable"
        ),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="the field problems of a 422",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={"field": _TEXT, "message": _TEXT},
            ),
        ),
    },
)
_ERROR_RESPONSE = OpenAPIResponse(
    description="An error, as RFC 9457 problem JSON (see `code`)",
    content={PROBLEM_JSON: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))},
)
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_PATH = "/schema"
DOCUMENTS = frozenset(
    f"{SCHEMA_PATH}{name}" for name in ("/openapi.json", "/openapi.yaml", "/openapi.yml")
)


def operation_id(
    handler: HTTPRouteHandler, method: Method, _path: list[str | PathParameterDefinition]
) -> str:
    """The handler's snake_case name (`login`, `get_own_user`), prefixed by the method when
    one handler answers several (`get_latest_code`, `head_latest_code`)."""
    if len(handler.http_methods) > 1:
        return f"{method.lower()}_{handler.handler_name}"
    return handler.handler_name


async def documents_only(request: Request[Any, Any, Any]) -> None:
    """Litestar answers every other path under `/schema` itself (the JSON document at the root,
    an HTML 404 page elsewhere): they are 404 `not_found` like any path that names no route."""
    if request.url.path not in DOCUMENTS:
        raise NotFoundException


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="ScriptHub API",
        version="0.1.0",
        # An empty list would bring every one of Litestar's CDN pages back.
        render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        openapi_router=Router(
            SCHEMA_PATH, route_handlers=[], include_in_schema=False, before_request=documents_only
        ),
        operation_id_creator=operation_id,
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
    )


def declared_error_responses(app: Litestar) -> set[tuple[str, str, str]]:
    """The error responses that route handlers declare themselves (`responses=`), as
    (path, method, status): they answer what they declare, not problem JSON (the readiness
    503 is the readiness object)."""
    return {
        (route.path_format or "/", method.lower(), str(status))
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for status in handler.responses or {}
        if status >= 400
        for method in handler.http_methods
    }


def document_problems(openapi: OpenAPI, declared: Collection[tuple[str, str, str]] = ()) -> None:
    """Replace the error responses Litestar guesses (a JSON 400 in its own shape) by one
    `default` response per operation: every error status answers problem JSON, except the
    `declared` ones (`declared_error_responses`)."""
    if openapi.components.schemas is None:
        openapi.components.schemas = {}
    openapi.components.schemas["Problem"] = PROBLEM_SCHEMA
    for path, path_item in (openapi.paths or {}).items():
        for name in _OPERATIONS:
            operation = getattr(path_item, name)
            if operation is None:
                continue
            responses = {
                status: response
                for status, response in (operation.responses or {}).items()
                if not status.isdigit() or int(status) < 400 or (path, name, status) in declared
            }
            responses["default"] = _ERROR_RESPONSE
            operation.responses = responses


def document_head_answers(openapi: OpenAPI) -> None:
    """A `HEAD` answer has the status and headers of the `GET` and no body: its responses list
    no content (Litestar gives them the `GET`'s)."""
    for path_item in (openapi.paths or {}).values():
        operation = path_item.head
        if operation is None:
            continue
        operation.responses = {
            status: response
            if isinstance(response, Reference)
            else replace(
                response,
                description=f"{response.description} (HEAD: the headers alone, no body)",
                content=None,
            )
            for status, response in (operation.responses or {}).items()
        }


def merge_sole_alternatives(openapi: OpenAPI) -> None:
    """A field that may be left out but not be `null` (`T | UNSET`) is, as Litestar writes
    it, a `oneOf` of one alternative with the field's rules beside it: it becomes that
    alternative with the rules in it, one schema a client generator reads whole."""

    def merge(schema: Schema) -> None:
        properties = schema.properties or {}
        for name, member in properties.items():
            properties[name] = merged = _sole_alternative(member)
            if isinstance(merged, Schema):
                merge(merged)

    for schema in (openapi.components.schemas or {}).values():
        merge(schema)


def _sole_alternative(schema: Schema | Reference) -> Schema | Reference:
    if not isinstance(schema, Schema) or schema.one_of is None or len(schema.one_of) != 1:
        return schema
    [alternative] = schema.one_of
    rules = {
        field.name: value
        for field in fields(schema)
        if field.name != "one_of" and (value := getattr(schema, field.name)) is not None
    }
    if isinstance(alternative, Reference):
        return schema if rules else alternative
    return replace(alternative, **rules)


def close_request_bodies(openapi: OpenAPI) -> None:
    """Every request body, nested objects included, refuses unknown fields (422): say so
    with `additionalProperties: false`, which msgspec's `forbid_unknown_fields` does not
    reach the generated schema with."""
    components = openapi.components.schemas or {}
    seen: set[str] = set()

    def close(schema: Schema | Reference | None) -> None:
        if isinstance(schema, Reference):
            name = schema.ref.rsplit("/", 1)[-1]
            if name in seen or name not in components:
                return
            seen.add(name)
            schema = components[name]
        if schema is None:
            return
        if schema.properties is not None:
            schema.additional_properties = False
            for member in schema.properties.values():
                close(member)
        for alternative in (*(schema.one_of or ()), *(schema.any_of or ())):
            close(alternative)

    for path_item in (openapi.paths or {}).values():
        for name in _OPERATIONS:
            operation = getattr(path_item, name)
            body = operation.request_body if operation is not None else None
            if isinstance(body, RequestBody):
                for media in body.content.values():
                    close(media.schema)


class _CorrectedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, correcting the document when it builds it."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        document = super()._build_openapi()
        document_problems(document, declared_error_responses(self.app))
        document_head_answers(document)
        merge_sole_alternatives(document)
        close_request_bodies(document)
        return document


def correct_document_when_built(app: Litestar) -> None:
    """Have the app's OpenAPI document corrected (above) when it is first asked for, by a
    request or by `app.openapi_schema`. Litestar builds it on first use and keeps it; building
    it as the app starts was a third of that start (bench/README.md). Litestar offers no hook
    there and creates the plugin itself, so the plugin's class is swapped for the subclass,
    which adds behaviour only."""
    app.plugins.get(OpenAPIPlugin).__class__ = _CorrectedOpenAPIPlugin
