"""Every structural problem of a JSON body, where msgspec stops at the first one."""

from __future__ import annotations

from typing import Any

import msgspec

from scripthub.domain.errors import FieldProblem

BODY = "body"
"""The field name of the body as a whole (the wrong JSON type, or none sent)."""
STRICT_BODY = "strict_body"
"""The `opt` key of a route that reads its body in msgspec's strict mode (with `strictly`):
its refused bodies are checked in that mode too."""


def body_problems(value: Any, body_type: Any, *, strict: bool) -> list[FieldProblem]:
    """The problems of decoded JSON `value` as `body_type`, each named by its field's path.

    A body that is an object is checked field by field against its Struct (and nested
    Structs likewise): every missing, unknown or mistyped field is named. `strict` is msgspec's
    mode: lax (Litestar's, where `"5"` passes for 5) or strict.
    """
    return _problems(value, body_type, strict=strict, at="")


def _problems(value: Any, type_: Any, *, strict: bool, at: str) -> list[FieldProblem]:
    struct = _struct_in(type_)
    if struct is None or not isinstance(value, dict):
        return _conversion_problems(value, type_, strict=strict, at=at)
    problems: list[FieldProblem] = []
    fields = msgspec.structs.fields(struct)
    for field in fields:
        path = _joined(at, f".{field.encode_name}")
        if field.encode_name in value:
            problems += _problems(value[field.encode_name], field.type, strict=strict, at=path)
        elif field.required:
            problems.append(FieldProblem(path, "is required"))
    if struct.__struct_config__.forbid_unknown_fields:
        known = {field.encode_name for field in fields}
        problems += [
            FieldProblem(_joined(at, f".{name}"), "is not an accepted field")
            for name in value
            if name not in known
        ]
    return problems


def _struct_in(type_: Any) -> type[msgspec.Struct] | None:
    """The Struct that `type_` is, or holds beside None or UNSET, if any."""
    info = msgspec.inspect.type_info(type_)
    options = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    structs = [option.cls for option in options if isinstance(option, msgspec.inspect.StructType)]
    return structs[0] if len(structs) == 1 else None


def _conversion_problems(value: Any, type_: Any, *, strict: bool, at: str) -> list[FieldProblem]:
    try:
        msgspec.convert(value, type_, strict=strict)
    except msgspec.ValidationError as error:
        # msgspec's message ends with where inside the value it failed: " - at `$[0]`".
        message, _, inside = str(error).partition(" - at `$")
        return [FieldProblem(_joined(at, inside.removesuffix("`")), message)]
    return []


def _joined(at: str, inside: str) -> str:
    """`profile` + `.website`, `tags` + `[0]`; the body itself is `body`."""
    return f"{at}{inside}".removeprefix(".") or BODY
