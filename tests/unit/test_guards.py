"""Route guards name permissions by the domain's constants, checked when the route is made."""

from __future__ import annotations

import pytest

from scripthub.domain.roles import ROLES_MANAGE, Permission
from scripthub.entrypoints.http.auth import requires


def test_a_guard_takes_a_permission_of_the_domain() -> None:
    assert callable(requires(ROLES_MANAGE))


def test_a_guard_on_an_unknown_permission_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match=r"roles\.manages"):
        requires(Permission("roles.manages", "a typo"))
