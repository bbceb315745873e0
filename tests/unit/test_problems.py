"""Every domain error reaches clients with the status its code promises."""

from __future__ import annotations

import importlib
import pkgutil

import scripthub
from scripthub.domain.errors import DomainError
from scripthub.entrypoints.http.problems import STATUS_BY_CODE


def _every_error_class() -> set[type[DomainError]]:
    for module in pkgutil.walk_packages(scripthub.__path__, "scripthub."):
        if "alembic" not in module.name and "migrations" not in module.name:
            importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    pending = [DomainError]
    while pending:
        error = pending.pop()
        found.add(error)
        pending.extend(error.__subclasses__())
    return found


def test_every_domain_error_code_has_an_http_status() -> None:
    errors = _every_error_class()

    assert len(errors) > 15  # the walk found the errors defined outside domain/ too
    missing = sorted(
        f"{e.__module__}.{e.__name__}: {e.code}" for e in errors if e.code not in STATUS_BY_CODE
    )
    assert missing == []
