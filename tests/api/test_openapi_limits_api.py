"""The OpenAPI document's limits are the code's, neither stricter nor looser.

The tests walk every request body of the document. Every string field (and array item) has a
`maxLength` and every array a `maxItems`, so whatever the code bounds, the document bounds
too; then each limit is sent one past (a 422 naming the field) and exactly (no problem with
that field): `maxLength`, `minLength`, `maxItems`, `minimum`, `maximum`. A value that breaks a
field's `pattern` or `format` is a 422 naming it, and a field without `minLength` takes an
empty string. A new route with a body needs an entry in `CALLS` (a valid body to vary).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from scripthub.domain.roles import PERMISSION_PATTERN, ROLE_PATTERN
from scripthub.domain.script_versions import VERSION_PATTERN
from scripthub.domain.scripts import SLUG_PATTERN, TAG_PATTERN
from scripthub.domain.users import PHONE_PATTERN, URL_PATTERN, USERNAME_PATTERN
from scripthub.entrypoints.http.schemas.fields import anchored
from scripthub.entrypoints.http.schemas.require_allowlist import PATTERN_SHAPE
from tests.api.client import PASSWORD, Api
from tests.api.script_calls import publish
from tests.api.token_calls import PUBLISH
from tests.userscripts import userscript

_numbers = itertools.count(1)
UNBOUNDED = {("NewScriptBody", "code"), ("NewVersionBody", "code")}
"""String fields without `maxLength`: the code's limit is 2 MiB of UTF-8 bytes, which a length
in characters cannot state, and past it the answer is 413 (the description says both)."""
UNCHECKED_FORMATS = {"date", "uuid"}
"""Formats the schema's own type checks (a malformed date or id is refused by decoding)."""


@dataclass(frozen=True)
class Call:
    """Where to send a body and as whom, with a valid body whose fields the tests vary."""

    path: str
    body: dict[str, Any]
    token: str | None = None


Caller = Callable[[Api], Awaitable[Call]]


async def _user_token(api: Api) -> str:
    token: str = (await api.register())["access_token"]
    return token


async def _admin_token(api: Api) -> str:
    token: str = (await api.role_holder("admin"))["access_token"]
    return token


async def _own_script(api: Api) -> tuple[str, str]:
    """A fresh owner's token and their script, at version 0.1."""
    token = await _user_token(api)
    script = await publish(api, token, code=userscript(None), version="0.1")
    return token, script["id"]


async def _register(_api: Api) -> Call:
    number = next(_numbers)
    body = {"email": f"limits{number}@example.com", "username": f"limits{number}"}
    return Call("/api/auth/register", {**body, "password": PASSWORD})


async def _anonymous(path: str, body: dict[str, Any]) -> Call:
    return Call(path, body)


async def _own(api: Api, path: str, body: dict[str, Any]) -> Call:
    return Call(path, body, await _user_token(api))


async def _admin(api: Api, path: str, body: dict[str, Any]) -> Call:
    return Call(path, body, await _admin_token(api))


async def _as_moderator(api: Api, path: str, body: dict[str, Any]) -> Call:
    token: str = (await api.role_holder("moderator"))["access_token"]
    return Call(path, body, token)


async def _role_assignment(api: Api) -> Call:
    user = (await api.register())["user"]["id"]
    return await _admin(api, f"/api/users/{user}/roles", {"role": "user"})


async def _account_status(api: Api) -> Call:
    user = (await api.register())["user"]["id"]
    return await _admin(api, f"/api/users/{user}/status", {"account_status": "active"})


async def _role_permissions(api: Api) -> Call:
    token = await _admin_token(api)
    role = f"limits_{next(_numbers)}"
    created = await api.send("POST", "/api/roles", token, json={"name": role})
    assert created.status_code == 201, created.text
    return Call(f"/api/roles/{role}/permissions", {"permissions": ["scripts.read"]}, token)


async def _script_change(api: Api, suffix: str, body: dict[str, Any]) -> Call:
    token, script = await _own_script(api)
    return Call(f"/api/scripts/{script}{suffix}", body, token)


async def _new_script(api: Api) -> Call:
    body = {"name": "Limits", "code": userscript(None), "version": "1.0", "language": "css"}
    return await _own(api, "/api/scripts", body)


async def _new_version(api: Api) -> Call:
    return await _script_change(api, "/versions", {"code": userscript(None), "version": "0.2"})


NOBODY = "nobody@example.com"


_TOKEN_CALLS: dict[int, tuple[Api, Call]] = {}
"""One token maker per app (kept alive with it, so that its id is not reused): `_items` repeats
the valid body's script id into the next call's body, which must be the same owner's."""


async def _new_token(api: Api) -> Call:
    if id(api) not in _TOKEN_CALLS:
        pair = await api.verified_user()
        script = await publish(api, pair["access_token"], code=userscript(None), version="0.1")
        body = {"name": "ci", "scopes": PUBLISH, "script_ids": [script["id"]]}
        call = Call("/api/users/me/tokens", {**body, "expires_in_days": 30}, pair["access_token"])
        _TOKEN_CALLS[id(api)] = (api, call)
    return _TOKEN_CALLS[id(api)][1]


async def _reported(api: Api) -> tuple[str, str]:
    """A fresh owner's token and a fresh report of their script, by a verified reporter."""
    token, script = await _own_script(api)
    reporter = (await api.verified_user())["access_token"]
    body = {"reason": "spam", "details": "Limits."}
    filed = await api.send("POST", f"/api/scripts/{script}/reports", reporter, json=body)
    assert filed.status_code == 201, filed.text
    return token, filed.json()["id"]


async def _new_report(api: Api) -> Call:
    _, script = await _own_script(api)
    reporter = (await api.verified_user())["access_token"]
    body = {"reason": "spam", "details": "Limits."}
    return Call(f"/api/scripts/{script}/reports", body, reporter)


async def _rebuttal(api: Api) -> Call:
    token, report = await _reported(api)
    return Call(f"/api/reports/{report}/rebuttal", {"text": "Limits."}, token)


async def _resolution(api: Api) -> Call:
    _, report = await _reported(api)
    moderator = (await api.role_holder("moderator"))["access_token"]
    return Call(f"/api/reports/{report}/resolve", {"decision": "dismiss"}, moderator)


async def _invitation(api: Api) -> Call:
    token, script = await _own_script(api)
    guest = (await api.register())["user"]["username"]
    return Call(f"/api/scripts/{script}/authors", {"username": guest}, token)


async def _transfer_offer(api: Api) -> Call:
    token, script = await _own_script(api)
    guest = await api.register()
    invited = await api.send(
        "POST",
        f"/api/scripts/{script}/authors",
        token,
        json={"username": guest["user"]["username"]},
    )
    accept = f"/api/invitations/{invited.json()['id']}/accept"
    assert (await api.send("POST", accept, guest["access_token"])).status_code == 200
    return Call(f"/api/scripts/{script}/transfer", {"username": guest["user"]["username"]}, token)


async def _review(api: Api) -> Call:
    """A decision on a version that is not held: the body is checked before that 409."""
    _, script = await _own_script(api)
    moderator = (await api.role_holder("moderator"))["access_token"]
    return Call(f"/api/scripts/{script}/versions/0.1/review", {"decision": "approve"}, moderator)


NEW_PASSWORD = "another horse battery"
CALLS: dict[tuple[str, str], Caller] = {
    ("POST", "/api/auth/register"): _register,
    ("POST", "/api/auth/login"): lambda _: _anonymous(
        "/api/auth/login", {"login": NOBODY, "password": PASSWORD}
    ),
    ("POST", "/api/auth/refresh"): lambda _: _anonymous(
        "/api/auth/refresh", {"refresh_token": "unknown"}
    ),
    ("POST", "/api/auth/oauth/exchange"): lambda _: _anonymous(
        "/api/auth/oauth/exchange", {"code": "unknown"}
    ),
    ("POST", "/api/auth/password/change"): lambda api: _own(
        api,
        "/api/auth/password/change",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    ),
    ("POST", "/api/auth/password/forgot"): lambda _: _anonymous(
        "/api/auth/password/forgot", {"email": NOBODY}
    ),
    ("POST", "/api/auth/password/reset"): lambda _: _anonymous(
        "/api/auth/password/reset", {"token": "unknown", "new_password": NEW_PASSWORD}
    ),
    ("POST", "/api/auth/verify-email"): lambda _: _anonymous(
        "/api/auth/verify-email", {"token": "unknown"}
    ),
    ("DELETE", "/api/users/me"): lambda api: _own(api, "/api/users/me", {"password": PASSWORD}),
    ("PATCH", "/api/users/me"): lambda api: _own(api, "/api/users/me", {}),
    ("POST", "/api/users/me/tokens"): _new_token,
    ("POST", "/api/users/me/email/confirm"): lambda api: _own(
        api, "/api/users/me/email/confirm", {"token": "unknown"}
    ),
    ("POST", "/api/users/me/email"): lambda api: _own(
        api,
        "/api/users/me/email",
        {"email": f"changed{next(_numbers)}@example.com", "current_password": PASSWORD},
    ),
    ("POST", "/api/users/{id_or_username}/roles"): _role_assignment,
    ("PATCH", "/api/users/{id_or_username}/status"): _account_status,
    ("POST", "/api/roles"): lambda api: _admin(
        api, "/api/roles", {"name": f"limits_{next(_numbers)}"}
    ),
    ("PUT", "/api/roles/{name}/permissions"): _role_permissions,
    ("POST", "/api/permissions"): lambda api: _admin(
        api, "/api/permissions", {"name": f"limits.n{next(_numbers)}"}
    ),
    ("PATCH", "/api/scripts/{id_or_slug}"): lambda api: _script_change(api, "", {}),
    ("PUT", "/api/scripts/{id_or_slug}/featured"): lambda api: _script_change(
        api, "/featured", {"featured": True}
    ),
    ("PUT", "/api/scripts/{id_or_slug}/rating"): lambda api: _script_change(
        api, "/rating", {"score": 3}
    ),
    ("PUT", "/api/scripts/{id_or_slug}/source"): lambda api: _script_change(
        api,
        "/source",
        {"url": "https://github.com/octo/tools/blob/main/a.user.js", "sync": "manual"},
    ),
    ("POST", "/api/scripts"): _new_script,
    ("PUT", "/api/moderation/require-allowlist"): lambda api: _as_moderator(
        api, "/api/moderation/require-allowlist", {"patterns": ["cdn.example.com"]}
    ),
    ("POST", "/api/scripts/{id_or_slug}/versions"): _new_version,
    ("POST", "/api/scripts/{id_or_slug}/reports"): _new_report,
    ("POST", "/api/reports/{report_id}/rebuttal"): _rebuttal,
    ("POST", "/api/reports/{report_id}/resolve"): _resolution,
    ("POST", "/api/scripts/{id_or_slug}/versions/{version}/review"): _review,
    ("POST", "/api/scripts/{id_or_slug}/authors"): _invitation,
    ("POST", "/api/scripts/{id_or_slug}/transfer"): _transfer_offer,
}


@dataclass(frozen=True)
class Field:
    """A field of a request body, as the document states it."""

    method: str
    path: str
    body_schema: str
    name: str
    """As a 422 names it: `profile.website`, `tags[0]` for an array's item."""
    schema: dict[str, Any]
    parents: tuple[str, ...] = field(default=())
    """The objects it is nested in (`profile`)."""

    @property
    def label(self) -> str:
        return f"{self.method} {self.path} {self.name}"

    def body(self, call: Call, value: Any) -> dict[str, Any]:
        """`call`'s body with this field set to `value` (an array item: the array is `[value]`)."""
        key = self.name.rsplit(".", 1)[-1].removesuffix("[0]")
        inner = [value] if self.name.endswith("[0]") else value
        for parent in reversed(self.parents):
            inner = {key: inner}
            key = parent
        return {**call.body, key: inner}


def _resolved(
    document: dict[str, Any], schema: dict[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    """The schema (with the name of its component, if any) that `schema` is: `$ref`s followed,
    and a `oneOf` of one type (or of one type and `null`) taken as that type, with the
    constraints written beside the `oneOf`."""
    alternatives = [a for a in schema.get("oneOf", []) if a.get("type") != "null"]
    if len(alternatives) == 1:
        name, inner = _resolved(document, alternatives[0])
        outer = {key: value for key, value in schema.items() if key != "oneOf"}
        return name, {**inner, **outer}
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name, document["components"]["schemas"][name]
    return None, schema


def _fields(document: dict[str, Any]) -> Iterator[Field]:
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body is None:
                continue
            name, schema = _resolved(document, body["content"]["application/json"]["schema"])
            assert name is not None, (method, path)
            yield from _members(document, method.upper(), path, name, schema, ())


def _members(
    document: dict[str, Any],
    method: str,
    path: str,
    body_schema: str,
    schema: dict[str, Any],
    parents: tuple[str, ...],
) -> Iterator[Field]:
    for key, member in schema.get("properties", {}).items():
        nested_name, resolved = _resolved(document, member)
        if "properties" in resolved:
            yield from _members(document, method, path, body_schema, resolved, (*parents, key))
            continue
        if nested_name is not None or "enum" in resolved:  # its values are the limit
            continue
        name = ".".join((*parents, key))
        yield Field(method, path, body_schema, name, resolved, parents)
        if resolved.get("type") == "array" and "enum" not in resolved["items"]:
            yield Field(method, path, body_schema, f"{name}[0]", resolved["items"], parents)


SAMPLES: dict[str, Callable[[int, int], str]] = {
    USERNAME_PATTERN.pattern: lambda length, n: f"u{n}".ljust(length, "a")[:length],
    SLUG_PATTERN.pattern: lambda length, n: f"s{n}".ljust(length, "a")[:length],
    TAG_PATTERN.pattern: lambda length, n: f"{n}".rjust(length, "t")[-length:],
    anchored(VERSION_PATTERN.pattern): lambda length, _: "1" * length,
    PHONE_PATTERN.pattern: lambda length, _: "1" * length,
    URL_PATTERN.pattern: lambda length, _: "https://e.example/".ljust(length, "a"),
    ROLE_PATTERN.pattern: lambda length, n: f"r{n}".ljust(length, "a")[:length],
    PERMISSION_PATTERN.pattern: lambda length, n: (
        f"p{n}".ljust(length // 2, "a") + "." + "a" * (length - length // 2 - 1)
    ),
    r"\S": lambda length, _: "Lim1ts ".ljust(length, "x"),
    PATTERN_SHAPE: lambda length, n: f"https://h{n}.example.com/".ljust(length - 1, "a") + "/",
}
"""A valid value of a length (with a number to tell values apart) for each pattern."""


def sample(schema: dict[str, Any], length: int) -> str:
    """A value of `length` characters that the field's pattern and format accept."""
    number = next(_numbers)
    if schema.get("format") == "email":
        return f"e{number}".ljust(length - len("@example.com"), "a") + "@example.com"
    if "pattern" in schema:
        return SAMPLES[schema["pattern"]](length, number)
    return ("Lim1ts-" * length)[:length]


def _items(schema: dict[str, Any], count: int, call: Call, field_: Field) -> list[Any]:
    """`count` valid items of an array: the valid body's first one repeated when it has one
    (names of things that exist, such as permissions), else distinct samples."""
    if existing := call.body.get(field_.name):
        return existing[:1] * count
    return [sample(schema["items"], 8) for _ in range(count)]


async def _send(api: Api, caller: Caller, field_: Field, value: Any) -> httpx.Response:
    call = await caller(api)
    return await api.send(field_.method, call.path, call.token, json=field_.body(call, value))


def _names_field(response: httpx.Response, field_: Field) -> bool:
    if response.status_code != 422:
        return False
    return any(error["field"] == field_.name for error in response.json().get("errors", []))


async def _document(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = (await api.client.get("/schema/openapi.json")).json()
    return document


async def test_every_route_with_a_body_has_a_call_and_every_field_a_bound(api: Api) -> None:
    document = await _document(api)
    fields = list(_fields(document))

    assert {(f.method, f.path) for f in fields} <= set(CALLS)
    unbounded = [
        f.label
        for f in fields
        if (f.schema.get("type") == "string" and f.schema.get("format") not in UNCHECKED_FORMATS)
        and "maxLength" not in f.schema
        and (f.body_schema, f.name) not in UNBOUNDED
    ]
    unbounded += [
        f.label for f in fields if f.schema.get("type") == "array" and "maxItems" not in f.schema
    ]
    unbounded += [
        f.label
        for f in fields
        if f.schema.get("type") == "integer" and not {"minimum", "maximum"} <= set(f.schema)
    ]
    assert unbounded == []


async def test_one_past_each_limit_is_refused_and_the_limit_taken(api: Api) -> None:
    wrong: list[str] = []
    for field_ in _fields(await _document(api)):
        caller = CALLS[field_.method, field_.path]
        schema = field_.schema
        limits: list[tuple[str, Any, Any]] = []
        if "maxLength" in schema:
            top = schema["maxLength"]
            limits.append(("maxLength", sample(schema, top + 1), sample(schema, top)))
        if schema.get("minLength", 0) > 0:
            low = schema["minLength"]
            limits.append(
                ("minLength", sample(schema, low - 1) if low > 1 else "", sample(schema, low))
            )
        if "maxItems" in schema:
            call = await caller(api)
            top = schema["maxItems"]
            over, at = _items(schema, top + 1, call, field_), _items(schema, top, call, field_)
            limits.append(("maxItems", over, at))
        if "minimum" in schema:
            limits.append(("minimum", int(schema["minimum"]) - 1, int(schema["minimum"])))
        if "maximum" in schema:
            limits.append(("maximum", int(schema["maximum"]) + 1, int(schema["maximum"])))
        for rule, past, at in limits:
            refused = await _send(api, caller, field_, past)
            if not _names_field(refused, field_):
                wrong.append(f"{field_.label}: past {rule} answered {refused.status_code}")
            taken = await _send(api, caller, field_, at)
            if _names_field(taken, field_):
                wrong.append(f"{field_.label}: at {rule} refused: {taken.text}")

    assert wrong == []


def _breaking(schema: dict[str, Any]) -> str | None:
    """A value of an allowed length that the field's pattern or format refuses."""
    if "pattern" not in schema and schema.get("format") in (None, *UNCHECKED_FORMATS):
        return None
    for candidate in ("!!!", "   ", "a b"):
        if "pattern" in schema and re.search(schema["pattern"], candidate):
            continue
        return candidate
    raise AssertionError(schema)


async def test_a_value_the_pattern_or_format_refuses_is_refused(api: Api) -> None:
    wrong: list[str] = []
    for field_ in _fields(await _document(api)):
        value = _breaking(field_.schema)
        if value is None:
            continue
        response = await _send(api, CALLS[field_.method, field_.path], field_, value)
        if not _names_field(response, field_):
            wrong.append(f"{field_.label}: {value!r} answered {response.status_code}")

    assert wrong == []


async def test_a_field_without_a_minimum_length_takes_an_empty_string(api: Api) -> None:
    wrong: list[str] = []
    for field_ in _fields(await _document(api)):
        schema = field_.schema
        if schema.get("type") != "string" or schema.get("minLength", 0) > 0:
            continue
        if "pattern" in schema or "format" in schema:
            continue
        response = await _send(api, CALLS[field_.method, field_.path], field_, "")
        if _names_field(response, field_):
            wrong.append(f"{field_.label}: {response.text}")

    assert wrong == []


async def _versions(api: Api) -> Call:
    token, script = await _own_script(api)
    return Call(f"/api/scripts/{script}/versions", {}, token)


async def _script_reports(api: Api) -> Call:
    token, script = await _own_script(api)
    return Call(f"/api/scripts/{script}/reports", {}, token)


async def _moderator(api: Api, path: str) -> Call:
    moderator = (await api.role_holder("moderator"))["access_token"]
    return Call(path, {}, moderator)


QUERY_CALLS: dict[tuple[str, str], Caller] = {
    ("GET", "/api/users"): lambda api: _admin(api, "/api/users", {}),
    ("GET", "/api/audit-logs"): lambda api: _admin(api, "/api/audit-logs", {}),
    ("GET", "/api/scripts"): lambda _: _anonymous("/api/scripts", {}),
    ("GET", "/api/sites"): lambda _: _anonymous("/api/sites", {}),
    ("GET", "/api/scripts/{id_or_slug}/versions"): _versions,
    ("GET", "/api/users/me/scripts"): lambda api: _own(api, "/api/users/me/scripts", {}),
    ("GET", "/api/scripts/{id_or_slug}/reports"): _script_reports,
    ("GET", "/api/users/me/reports"): lambda api: _own(api, "/api/users/me/reports", {}),
    ("GET", "/api/moderation/reports"): lambda api: _moderator(api, "/api/moderation/reports"),
    ("GET", "/api/moderation/log"): lambda _: _anonymous("/api/moderation/log", {}),
    ("GET", "/api/moderation/reviews"): lambda api: _moderator(api, "/api/moderation/reviews"),
}
"""Where to send the query parameters of each route that bounds some (the body is unused)."""


async def test_one_past_each_query_limit_is_400_and_the_limit_taken(api: Api) -> None:
    document = await _document(api)
    wrong: list[str] = []
    tested: set[str] = set()
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                _, schema = _resolved(document, parameter["schema"])
                limits: list[tuple[str, Any, Any]] = []
                if "maxLength" in schema:
                    top = schema["maxLength"]
                    limits.append(("maxLength", "q" * (top + 1), "q" * top))
                if "minimum" in schema:
                    limits.append(("minimum", int(schema["minimum"]) - 1, int(schema["minimum"])))
                if "maximum" in schema:
                    limits.append(("maximum", int(schema["maximum"]) + 1, int(schema["maximum"])))
                if not limits or parameter["in"] != "query":
                    continue
                call = await QUERY_CALLS[method.upper(), path](api)
                label = f"{method.upper()} {path} ?{parameter['name']}"
                tested.add(label)
                for rule, past, at in limits:
                    params = {parameter["name"]: past}
                    refused = await api.get(call.path, call.token, params=params)
                    if refused.status_code != 400:
                        wrong.append(f"{label}: past {rule} answered {refused.status_code}")
                    taken = await api.get(call.path, call.token, params={parameter["name"]: at})
                    if taken.status_code != 200:
                        wrong.append(f"{label}: at {rule} answered {taken.text}")

    assert wrong == []
    assert {"GET /api/scripts ?q", "GET /api/scripts ?limit"} <= tested
