"""Which routes a personal access token may call: an allow-list, so that a route added
later refuses tokens until it says otherwise.

A route declares `opt=token_usable(scope)` (or `token_usable(None)`: any scope will do);
a request made with a token (`Authorization: Bearer shp_...`) on any other /api route is
refused 403 `token_scope` before anything is looked up (`refuses_tokens`), and one whose
token lacks the route's scope once the token is known (`require_token_use`). Whether the
token covers the script is the use case's to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from litestar.types import Scope

from scripthub.application.accounts import Principal
from scripthub.domain.access_tokens import TokenScope
from scripthub.domain.errors import TokenScopeError

_OPTION = "token_use"
_ANY_SCOPE = "any"


def token_usable(scope: TokenScope | None) -> Mapping[str, Any]:
    """The `opt` of a route a token with `scope` (None: any scope) may call."""
    return MappingProxyType({_OPTION: _ANY_SCOPE if scope is None else scope})


def refuses_tokens(scope: Scope) -> bool:
    """Whether the request's route (`scope["route_handler"]`) is not for tokens at all."""
    return _OPTION not in scope["route_handler"].opt


def require_token_use(scope: Scope, principal: Principal) -> None:
    """TokenScopeError for a token on a route that is not for it, or without its scope."""
    if principal.token is None:
        return
    use = scope["route_handler"].opt.get(_OPTION)
    if use is None:
        raise TokenScopeError("Personal access tokens cannot be used here; sign in.")
    if use != _ANY_SCOPE:
        principal.token.require_scope(TokenScope(use))
