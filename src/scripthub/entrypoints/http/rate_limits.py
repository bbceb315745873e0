"""Per-client-IP rate limits: one budget for all of /api, and tighter ones for the routes that
declare a tier in their `opt` (the credential routes: `opt=CREDENTIALS`); anonymous update
checks of a script's code have budgets of their own instead of the API one (`code_charges`).

A request with a bearer token is counted in the same store round trip that authenticates it
(`AuthenticateRequest` with a `RateCharge`): one round trip per authenticated request."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.exceptions import ImproperlyConfiguredException
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Scope, Send

from scripthub.application.auth.authenticate_request import (
    AuthenticateRequest,
    AuthenticateRequestQuery,
)
from scripthub.application.ports.system import RateCharge, RateLimiter, RateLimitState
from scripthub.domain.access_tokens import is_access_token
from scripthub.domain.errors import (
    DomainError,
    RateLimitedError,
    ServiceUnavailableError,
    TokenScopeError,
)
from scripthub.domain.scripts import MAX_SLUG_LENGTH
from scripthub.entrypoints.http.auth import bearer_token, remember
from scripthub.entrypoints.http.client import Network, client_ip
from scripthub.entrypoints.http.problems import (
    STATUS_BY_CODE,
    rate_limit_headers,
    remember_unavailable,
    send_problem,
)
from scripthub.entrypoints.http.token_routes import refuses_tokens
from scripthub.entrypoints.settings import RateLimit

TIER_OPTION = "rate_limit"
_COUNTED_BY_HANDLER_OPTION = "rate_counted_by_handler"
_STATE_KEY = "scripthub.rate_limit"
_CHARGE_KEY = "scripthub.rate_charge"


class RateLimitTier(StrEnum):
    """A budget a route declares with `opt={"rate_limit": tier}`, on top of the API budget."""

    CREDENTIALS = "credentials"


CREDENTIALS: Mapping[str, Any] = MappingProxyType({TIER_OPTION: RateLimitTier.CREDENTIALS})
"""`opt=CREDENTIALS`: the route checks passwords or sends account mail, whatever its method."""

_ACCOUNT_PARAMETER_OPTION = "rate_per_account_in_path"

COUNTED_PER_ACCOUNT_IN_PATH: Mapping[str, Any] = MappingProxyType(
    {_ACCOUNT_PARAMETER_OPTION: "user_id"}
)
"""`opt=COUNTED_PER_ACCOUNT_IN_PATH`: the route's API budget is the account's its `user_id` path
parameter names, not the client address's: webhook deliveries, which a provider sends for every
account from a few shared addresses."""

COUNTED_BY_HANDLER: Mapping[str, Any] = MappingProxyType({_COUNTED_BY_HANDLER_OPTION: True})
"""`opt=COUNTED_BY_HANDLER` (no tier): the handler counts a request without a bearer token
itself, in a store round trip it makes anyway (`take_rate_charges`, then `keep_rate_state`);
`Traffic` counts one whose handler never took its charge when its answer starts."""


def _account_in_path(scope: Scope) -> uuid.UUID | None:
    handler = scope.get("route_handler")
    parameter = None if handler is None else handler.opt.get(_ACCOUNT_PARAMETER_OPTION)
    if parameter is None:
        return None
    try:
        return uuid.UUID(str(scope["path_params"].get(parameter)))
    except ValueError:
        return None  # no account's: the address pays


def declared_tiers(app: Litestar) -> dict[str, RateLimitTier]:
    """The tier of every route that declares one, keyed `"METHOD /path"`.

    Raises ImproperlyConfiguredException for a tier that does not exist, so that a typo stops
    the app at start-up instead of failing its first request.
    """
    tiers: dict[str, RateLimitTier] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            name = handler.opt.get(TIER_OPTION)
            if name is None:
                continue
            try:
                tier = RateLimitTier(name)
            except ValueError as unknown:
                known = ", ".join(RateLimitTier)
                msg = f"{route.path_format} declares rate_limit {name!r}; known tiers: {known}"
                raise ImproperlyConfiguredException(msg) from unknown
            tiers.update({f"{method} {route.path_format}": tier for method in handler.http_methods})
    return tiers


@dataclass(frozen=True)
class Refusal:
    """What a request gets instead of its answer: over a budget (429) or uncountable (503)."""

    status: int
    code: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_error(cls, error: DomainError) -> Refusal:
        """A request that could not be counted or authenticated, answered as its error says
        (a store that is down: 503)."""
        return cls(STATUS_BY_CODE.get(error.code, 503), error.code, error.detail)

    async def send(self, send: Send, headers: Mapping[str, str] | None = None) -> None:
        """Answer with the problem, plus `headers` kept from an answer it replaces."""
        await send_problem(
            send, self.status, self.code, self.detail, {**(headers or {}), **self.headers}
        )


def _charge(key: str, budget: RateLimit) -> RateCharge:
    return RateCharge(key, budget.requests, budget.window_seconds)


def _refusal_for(scope: Scope, error: DomainError) -> Refusal:
    if isinstance(error, ServiceUnavailableError):
        remember_unavailable(scope, error)
    return Refusal.for_error(error)


class RateLimits:
    """The API budget and the tier budgets, counted per client IP in the limiter's store."""

    def __init__(
        self,
        limiter: RateLimiter,
        authenticate: AuthenticateRequest,
        api: RateLimit,
        tiers: Mapping[RateLimitTier, RateLimit],
        trusted_proxies: Sequence[Network],
        update_checks: RateLimit,
        update_checks_per_script: RateLimit,
    ) -> None:
        if set(tiers) != set(RateLimitTier):
            msg = f"every rate-limit tier needs a budget: {', '.join(RateLimitTier)}"
            raise ValueError(msg)
        self._limiter = limiter
        self._authenticate = authenticate
        self._api = api
        self._tiers = {tier.value: budget for tier, budget in tiers.items()}
        self._trusted = trusted_proxies
        self._update_checks = update_checks
        self._update_checks_per_script = update_checks_per_script

    async def admit(self, scope: Scope, tier: str | None) -> Refusal | None:
        """Count one request; None if it may go on, else what to answer instead.

        The state of an admitted request stays in the scope for `response_headers`.
        """
        try:
            state = await self._count(scope, tier)
        except DomainError as error:  # the store is down (503): answer like any route
            return _refusal_for(scope, error)
        return self._verdict(scope, state)

    async def admit_routed(self, scope: Scope) -> Refusal | None:
        """`admit` for a request of an /api route (`scope["route_handler"]`), against the API
        budget and the route's tier; one with a bearer token (and no tier) authenticated in
        the same round trip, one its handler counts (`COUNTED_BY_HANDLER`) left to it."""
        opt = scope["route_handler"].opt
        tier = opt.get(TIER_OPTION)
        token = bearer_token(scope)
        if token is not None and is_access_token(token) and refuses_tokens(scope):
            # Refused without looking the token up, and counted as any request is.
            error = TokenScopeError("Personal access tokens cannot be used here; sign in.")
            return await self.admit(scope, tier) or Refusal.for_error(error)
        if token is not None and tier is None:
            return await self._admit_authenticated(scope, token)
        if opt.get(_COUNTED_BY_HANDLER_OPTION):
            scope["state"][_CHARGE_KEY] = self
            return None
        return await self.admit(scope, tier)

    async def _admit_authenticated(self, scope: Scope, token: str) -> Refusal | None:
        """Authenticate the request and count it in one round trip, and keep the
        authentication for the handler."""
        try:
            authentication = await self._authenticate.execute(
                AuthenticateRequestQuery(token, self.api_charge(scope), self.owner_charge)
            )
        except DomainError as error:
            return _refusal_for(scope, error)
        remember(scope, authentication)
        if authentication.rate is None:  # refused before the store was asked: count it alone
            return await self.admit(scope, None)
        return self._verdict(scope, authentication.rate)

    def _verdict(self, scope: Scope, state: RateLimitState) -> Refusal | None:
        if not state.allowed:
            error = RateLimitedError(state.reset_after)
            headers = {**rate_limit_headers(state), "Retry-After": str(state.reset_after)}
            return Refusal(429, error.code, error.detail, headers)
        keep_rate_state(scope, state)
        return None

    async def _count(self, scope: Scope, tier: str | None) -> RateLimitState:
        charges = [self.api_charge(scope)]
        if tier is not None:
            charges.append(_charge(f"{tier}:{self._ip(scope)}", self._tiers[tier]))
        states = [await self._limiter.hit(c.key, c.limit, c.window_seconds) for c in charges]
        return RateLimitState.tightest(states)

    def api_charge(self, scope: Scope) -> RateCharge:
        """The request's charge against the API budget: its client address's, or the
        account's of a `COUNTED_PER_ACCOUNT_IN_PATH` route."""
        account = _account_in_path(scope)
        if account is not None:
            return _charge(f"api:account:{account}", self._api)
        return _charge(f"api:{self._ip(scope)}", self._api)

    def owner_charge(self, user_id: uuid.UUID) -> RateCharge:
        """The charge of a request made with a personal access token: against its owner's
        API budget, not its client's."""
        return _charge(f"api:user:{user_id}", self._api)

    def code_charges(
        self, scope: Scope, name: str, *, update_check: bool
    ) -> tuple[RateCharge, ...]:
        """What an anonymous request of the latest code of the script `name` (its cache name)
        is counted against: the API budget, or for an update check (`checks_for_update`) the
        client's update-check budget and its budget for this script instead."""
        if not update_check:
            return (self.api_charge(scope),)
        ip = self._ip(scope)
        # A name longer than a slug names no script: such names share one counter, and a
        # client sending them makes no long keys.
        script = name[:MAX_SLUG_LENGTH]
        return (
            _charge(f"update_checks:{ip}", self._update_checks),
            _charge(f"update_check:{ip}:{script}", self._update_checks_per_script),
        )

    def _ip(self, scope: Scope) -> str:
        return client_ip(scope, self._trusted) or "unknown"

    def gate(self, app: ASGIApp) -> ASGIApp:
        """The app-level middleware that counts routed requests (see `RateLimitGate`)."""
        return RateLimitGate(app, self)


class RateLimitGate:
    """Counts every routed /api request against the API budget and its route's tier.

    App-level middleware runs after routing (so it can read the route's `opt`) and before the
    handler (so a refused request has no effect). The router's own answers (404, 405) never
    reach it: `http.traffic.Traffic` counts those.
    """

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self._app = app
        self._limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["path"].startswith("/api/"):
            refusal = await self._limits.admit_routed(scope)
            if refusal:
                await refusal.send(send)
                return
        await self._app(scope, receive, send)


def take_rate_charges(scope: Scope, name: str, *, update_check: bool) -> tuple[RateCharge, ...]:
    """The charges a `COUNTED_BY_HANDLER` route of the script `name`'s code is to count, once
    (`RateLimits.code_charges`; none when none were left to it: the request was counted
    already)."""
    limits: RateLimits | None = scope["state"].pop(_CHARGE_KEY, None)
    return () if limits is None else limits.code_charges(scope, name, update_check=update_check)


def count_deferred_here(scope: Scope) -> None:
    """Take counting a `COUNTED_BY_HANDLER` request back from its handler (which never took
    it, or has not yet: `Traffic` counts it against the API budget)."""
    scope["state"].pop(_CHARGE_KEY, None)


def left_uncounted(scope: Scope) -> bool:
    """Whether a `COUNTED_BY_HANDLER` route's handler never took its charge (it failed first)."""
    return _CHARGE_KEY in scope["state"]


def keep_rate_state(scope: Scope, state: RateLimitState | None) -> None:
    """Keep the budget of an admitted request for its `RateLimit-*` headers."""
    if state is not None:
        scope["state"][_STATE_KEY] = state


def response_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The RateLimit-* headers of an admitted request (none for a request not counted)."""
    state: RateLimitState | None = scope["state"].get(_STATE_KEY)
    if state is None:
        return []
    return [
        (name.lower().encode(), value.encode()) for name, value in rate_limit_headers(state).items()
    ]
